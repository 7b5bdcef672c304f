import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { UserError } from '../util/errors';
import { escapeControl } from '../util/control-chars';
import { classifySmtpError } from './smtp-errors';
import type { OutgoingMessage, SendHooks, SendResult, Transport } from './transport';

export interface SmtpSettings {
  url: string;
  connections: number;
  /** Milliseconds without an answer before a connection counts as lost. */
  socketTimeoutMs?: number;
}

/** Generous enough for a slow relay, short enough that a hung server does not stall a send. */
const SOCKET_TIMEOUT_MS = 60_000;

/**
 * nodemailer's SMTP pool, with `maxRequeues: 0`: a message whose connection fails is returned to
 * us, never silently resent by the pool, because only the ledger may decide to send again. The
 * rate is kept by the runner (src/send/pace.ts), over all connections together, fractional rates
 * included: the pool's own limit counts whole messages per window and is not used.
 */
export function createSmtpTransport(settings: SmtpSettings): Transport {
  let options: ReturnType<typeof parseConnectionUrl>;
  let description: string;
  try {
    const url = new URL(settings.url);
    if (!['smtp:', 'smtps:'].includes(url.protocol)) throw new Error('scheme');
    options = parseConnectionUrl(settings.url);
    description = `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}`;
  } catch {
    throw new UserError('SMTP_URL must look like smtps://user:password@smtp.example.org:465 (or smtp://… for STARTTLS)');
  }
  const timeout = settings.socketTimeoutMs ?? SOCKET_TIMEOUT_MS;
  const transporter = nodemailer.createTransport({
    ...options,
    pool: true,
    maxConnections: settings.connections,
    maxMessages: 1000,
    maxRequeues: 0,
    connectionTimeout: Math.min(timeout, 30_000),
    greetingTimeout: Math.min(timeout, 30_000),
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
  } as Parameters<typeof nodemailer.createTransport>[0]);

  // The connection starts reading the message stream only once the server accepted DATA (354).
  // From that first read on, a lost connection may have delivered the message: it is ambiguous,
  // not retryable. nodemailer's 'stream' plugin step wraps that stream for us to watch.
  transporter.use('stream', (mail, done) => {
    const handover = (mail.data as { handover?: Handover }).handover;
    if (handover) mail.message.processFunc((input) => watchFirstRead(input, handover));
    done();
  });

  return {
    description,
    async send(message: OutgoingMessage, hooks?: SendHooks): Promise<SendResult> {
      const handover: Handover = { started: false, refused: undefined, hook: hooks?.onHandover };
      try {
        const info = await transporter.sendMail({ envelope: { from: message.from, to: [message.to] }, raw: message.raw, handover } as Parameters<typeof transporter.sendMail>[0]);
        return { ok: true, reply: escapeControl(String(info.response ?? '250 OK').replace(/\s+/g, ' ').trim()).slice(0, 300) };
      } catch (err) {
        // The hand-over mark could not be made: the message was abandoned before its first byte.
        if (handover.refused) return { ok: false, failure: { kind: 'transient', reply: `not sent: ${handover.refused.message}`, throttle: false } };
        return { ok: false, failure: classifySmtpError(err, handover.started) };
      }
    },
    async close() {
      transporter.close();
    },
  };
}

interface Handover {
  /** The message's data started to flow to the server. */
  started: boolean;
  /** The hand-over hook failed: nothing of the message was sent. */
  refused: Error | undefined;
  hook: (() => Promise<void>) | undefined;
}

/**
 * Passes the stream through. Its consumer (the SMTP connection) first reads it once the server
 * accepted DATA; at that read the hand-over hook runs, and the data flows only once it resolved.
 */
function watchFirstRead(input: NodeJS.ReadableStream, handover: Handover): Readable {
  let attached = false;
  const attach = () => {
    handover.started = true;
    input.on('data', (chunk: Buffer) => {
      if (!output.push(chunk)) input.pause();
    });
    input.on('end', () => output.push(null));
    input.on('error', (err) => output.destroy(err));
  };
  const output: Readable = new Readable({
    read() {
      if (attached) {
        input.resume();
        return;
      }
      attached = true;
      if (!handover.hook) return attach();
      handover.hook().then(attach, (err: unknown) => {
        handover.refused = err instanceof Error ? err : new Error(String(err));
        output.destroy(handover.refused);
      });
    },
  });
  return output;
}
