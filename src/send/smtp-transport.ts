import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { UserError } from '../util/errors';
import { classifySmtpError } from './smtp-errors';
import type { OutgoingMessage, SendResult, Transport } from './transport';

export interface SmtpSettings {
  url: string;
  connections: number;
  ratePerSecond: number;
  /** Milliseconds without an answer before a connection counts as lost. */
  socketTimeoutMs?: number;
}

/** Generous enough for a slow relay, short enough that a hung server does not stall a send. */
const SOCKET_TIMEOUT_MS = 60_000;

/**
 * nodemailer's SMTP pool, with `maxRequeues: 0`: a message whose connection fails is returned to
 * us, never silently resent by the pool, because only the ledger may decide to send again.
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
    rateDelta: 1000,
    rateLimit: Math.max(1, Math.round(settings.ratePerSecond)),
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
    async send(message: OutgoingMessage): Promise<SendResult> {
      const handover: Handover = { started: false };
      try {
        const info = await transporter.sendMail({ envelope: { from: message.from, to: [message.to] }, raw: message.raw, handover } as Parameters<typeof transporter.sendMail>[0]);
        return { ok: true, reply: String(info.response ?? '250 OK') };
      } catch (err) {
        return { ok: false, failure: classifySmtpError(err, handover.started) };
      }
    },
    async close() {
      transporter.close();
    },
  };
}

interface Handover {
  started: boolean;
}

/** Passes the stream through, noting when its consumer (the SMTP connection) first reads it. */
function watchFirstRead(input: NodeJS.ReadableStream, handover: Handover): Readable {
  let attached = false;
  const output: Readable = new Readable({
    read() {
      if (attached) {
        input.resume();
        return;
      }
      attached = true;
      handover.started = true;
      input.on('data', (chunk: Buffer) => {
        if (!output.push(chunk)) input.pause();
      });
      input.on('end', () => output.push(null));
      input.on('error', (err) => output.destroy(err));
    },
  });
  return output;
}
