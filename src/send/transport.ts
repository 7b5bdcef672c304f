import type { Failure } from './smtp-errors';

/** One message for one recipient, ready to go on the wire. */
export interface OutgoingMessage {
  /** Envelope sender (bare address). */
  from: string;
  /** Envelope recipient (bare address): exactly one per message. */
  to: string;
  /** The message's bytes: one buffer, or its pieces in order (see personaliseParts). */
  raw: Buffer | readonly Buffer[];
  /** Names outbox files; unique within a send. */
  sequence: number;
}

export type SendResult = { ok: true; reply: string } | { ok: false; failure: Failure };

export interface SendHooks {
  /**
   * Called once the server accepted DATA, before the first byte of the message goes out; the
   * message is sent only when it resolves (its hand-over mark is durable). If it rejects, the
   * message is abandoned unsent.
   */
  onHandover?: () => Promise<void>;
}

/** Where messages go: an SMTP server (SMTP_URL) or the local outbox. */
export interface Transport {
  /** For messages: "smtp://smtp.example.org:465" (no credentials) or "outbox/2021-03-22". */
  readonly description: string;
  send(message: OutgoingMessage, hooks?: SendHooks): Promise<SendResult>;
  close(): Promise<void>;
}

/** The message's bytes as one buffer. */
export function rawBytes(raw: OutgoingMessage['raw']): Buffer {
  return Buffer.isBuffer(raw) ? raw : Buffer.concat(raw as Buffer[]);
}
