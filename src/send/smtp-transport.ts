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

  return {
    description,
    async send(message: OutgoingMessage): Promise<SendResult> {
      // The pool reads the message only after the server accepted DATA (354): from the first read
      // on, a lost connection may have delivered it, so it is ambiguous rather than retryable.
      let handedOver = false;
      const raw = new Readable({
        read() {
          handedOver = true;
          this.push(message.raw);
          this.push(null);
        },
      });
      try {
        const info = await transporter.sendMail({ envelope: { from: message.from, to: [message.to] }, raw });
        return { ok: true, reply: String(info.response ?? '250 OK') };
      } catch (err) {
        return { ok: false, failure: classifySmtpError(err, handedOver) };
      }
    },
    async close() {
      transporter.close();
    },
  };
}
