import type { Failure } from './smtp-errors';

/** One message for one recipient, ready to go on the wire. */
export interface OutgoingMessage {
  /** Envelope sender (bare address). */
  from: string;
  /** Envelope recipient (bare address): exactly one per message. */
  to: string;
  raw: Buffer;
  /** Names outbox files; unique within a send. */
  sequence: number;
}

export type SendResult = { ok: true; reply: string } | { ok: false; failure: Failure };

/** Where messages go: an SMTP server (SMTP_URL) or the local outbox. */
export interface Transport {
  /** For messages: "smtp://smtp.example.org:465" (no credentials) or "outbox/2021-03-22". */
  readonly description: string;
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}
