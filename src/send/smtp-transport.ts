import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { UserError } from '../util/errors';
import { escapeControl } from '../util/control-chars';
import { classifySmtpError } from './smtp-errors';
import { withFastTransparency } from './smtp-transparency';
import type { OutgoingMessage, SendHooks, SendResult, Transport } from './transport';

export interface SmtpSettings {
  url: string;
  connections: number;
  /** Milliseconds without an answer before a connection counts as lost. */
  socketTimeoutMs?: number;
}

/** Generous enough for a slow relay, short enough that a hung server does not stall a send. */
const SOCKET_TIMEOUT_MS = 60_000;
/** A connection is closed and replaced after this many messages (relays limit a session). */
const MESSAGES_PER_CONNECTION = 1000;

type ConnectionOptions = ConstructorParameters<typeof SMTPConnection>[0] & { auth?: { user?: string; pass?: string } };

/**
 * Our own small pool of nodemailer `SMTPConnection`s, one message at a time on each. It replaces
 * nodemailer's SMTP pool, whose per-message plumbing (a mail object, a MIME node around the raw
 * bytes, a stream pipeline, a Message-ID we never use) cost more CPU than everything else a send
 * does, and which resent a message on its own after some connection losses (only the ledger may
 * decide to send again). Here a message whose connection fails is returned to the runner with
 * what is known about it, and never resent by the transport. The rate is kept by the runner
 * (src/send/pace.ts), over all connections together.
 *
 * The hand-over: `SMTPConnection.send` starts reading the message stream only once the server
 * accepted DATA (354). At that first read the hand-over hook runs (the ledger's durable mark), and
 * the bytes flow only once it resolved. From then on, a lost connection may have delivered the
 * message: it is ambiguous, never retried.
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
  const pool = new ConnectionPool(
    {
      ...(options as ConnectionOptions),
      connectionTimeout: Math.min(timeout, 30_000),
      greetingTimeout: Math.min(timeout, 30_000),
      socketTimeout: timeout,
    },
    Math.max(1, settings.connections),
  );

  return {
    description,
    async send(message: OutgoingMessage, hooks?: SendHooks): Promise<SendResult> {
      const handover: Handover = { started: false, refused: undefined, hook: hooks?.onHandover };
      let connection: Connection;
      try {
        connection = await pool.acquire();
      } catch (err) {
        // No connection (refused, login failed, TLS): nothing of the message was sent.
        return { ok: false, failure: classifySmtpError(err, false) };
      }
      return new Promise<SendResult>((resolve) => {
        connection.smtp.send({ from: message.from, to: [message.to] }, handoverStream(message.raw, handover), (err, info) => {
          if (!err) {
            pool.release(connection);
            const reply = String((info as { response?: string } | undefined)?.response ?? '250 OK');
            return resolve({ ok: true, reply: escapeControl(reply.replace(/\s+/g, ' ').trim()).slice(0, 300) });
          }
          pool.afterFailure(connection, err as SmtpError);
          // The hand-over mark could not be made: the message was abandoned before its first byte.
          if (handover.refused) return resolve({ ok: false, failure: { kind: 'transient', reply: `not sent: ${handover.refused.message}`, throttle: false } });
          resolve({ ok: false, failure: classifySmtpError(err, handover.started) });
        });
      });
    },
    async close() {
      pool.close();
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

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
}

/**
 * The message as the stream `SMTPConnection.send` pipes into its data stream once the server
 * accepted DATA. Its first read runs the hand-over hook; the bytes are pushed only once it
 * resolved, and a rejected hook ends the stream with that error before any byte was sent.
 */
function handoverStream(raw: Buffer | readonly Buffer[], handover: Handover): Readable {
  let asked = false;
  const stream = new Readable({
    read() {
      if (asked) return;
      asked = true;
      const go = () => {
        handover.started = true;
        if (Buffer.isBuffer(raw)) stream.push(raw);
        else for (const part of raw as Buffer[]) stream.push(part);
        stream.push(null);
      };
      if (!handover.hook) return go();
      handover.hook().then(go, (err: unknown) => {
        handover.refused = err instanceof Error ? err : new Error(String(err));
        stream.destroy(handover.refused);
      });
    },
  });
  return stream;
}

interface Connection {
  smtp: SMTPConnection;
  messages: number;
  /** The connection ended (closed by either side, or failed): never used again. */
  ended: boolean;
  /** Waiting for the answer to RSET after a refused message. */
  resetting: boolean;
  /** No longer counted among the pool's connections. */
  dropped: boolean;
}

/**
 * At most `size` connections; a caller waits for an idle one when all are busy. A connection is
 * opened (and logged in) when one is needed and none is idle; a connection the server closed
 * while idle is dropped and replaced on the next message.
 */
class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: { resolve: (c: Connection) => void; reject: (err: unknown) => void }[] = [];
  /** Connections open or opening, busy or idle. */
  private open = 0;
  private closed = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly size: number,
  ) {}

  acquire(): Promise<Connection> {
    if (this.closed) return Promise.reject(closedError());
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (!c.ended) return Promise.resolve(c);
    if (this.open < this.size) return this.connect();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** A message went through: the connection serves the next one (a fresh one after enough messages). */
  release(c: Connection): void {
    c.messages++;
    if (c.messages >= MESSAGES_PER_CONNECTION || this.closed) return this.drop(c);
    this.handBack(c);
  }

  /**
   * A message failed. A refusal of the envelope or the message (not a 421) leaves the session
   * usable once reset (RSET), as nodemailer's pool does; anything else (a lost connection, a
   * timeout, a stream abandoned mid-DATA) closes it.
   */
  afterFailure(c: Connection, err: SmtpError): void {
    if (!c.ended && !this.closed && (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') && err.responseCode !== 421) {
      c.resetting = true;
      c.smtp.reset((resetErr) => {
        c.resetting = false;
        if (resetErr || c.ended) return this.drop(c);
        this.handBack(c);
      });
      return;
    }
    this.drop(c);
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(closedError());
    for (const c of this.idle.splice(0)) this.drop(c);
  }

  /** A connection free again: to a waiting caller, else idle (closed if the pool was closed meanwhile). */
  private handBack(c: Connection): void {
    if (c.ended || this.closed) return this.drop(c);
    const next = this.waiting.shift();
    if (next) next.resolve(c);
    else this.idle.push(c);
  }

  /** Closes the connection (as nodemailer's pool closes its own); one fewer, once: a waiting caller gets a new one. */
  private drop(c: Connection): void {
    if (!c.ended) {
      c.ended = true;
      c.smtp.close();
    }
    if (c.dropped) return;
    c.dropped = true;
    this.open--;
    const next = this.closed ? undefined : this.waiting.shift();
    if (next) this.connect().then(next.resolve, next.reject);
  }

  private connect(): Promise<Connection> {
    this.open++;
    return new Promise<Connection>((resolve, reject) => {
      const smtp = withFastTransparency(new SMTPConnection(this.options));
      const c: Connection = { smtp, messages: 0, ended: false, resetting: false, dropped: false };
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        this.drop(c);
        reject(err);
      };
      const ready = () => {
        if (settled) return;
        settled = true;
        resolve(c);
      };
      // An error during a message reaches its send callback too; this listener keeps it from
      // being thrown as unhandled.
      smtp.on('error', (err) => {
        if (!settled) fail(err);
      });
      smtp.once('end', () => {
        if (!settled) return fail(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' }));
        c.ended = true;
        // Closed by the server while idle, or while waiting for RSET: replaced when next needed.
        // (A connection lost during a message is dropped by that message's callback.)
        const at = this.idle.indexOf(c);
        if (at >= 0) this.idle.splice(at, 1);
        if (at >= 0 || c.resetting) this.drop(c);
      });
      smtp.connect((err) => {
        if (err) return fail(err);
        const auth = this.options.auth;
        if (!auth || (!auth.user && !auth.pass) || !smtp.allowsAuth) return ready();
        smtp.login({ user: auth.user ?? '', pass: auth.pass ?? '' } as SMTPConnection.AuthenticationCredentials, (loginErr) => (loginErr ? fail(loginErr) : ready()));
      });
    });
  }
}

function closedError(): SmtpError {
  return Object.assign(new Error('the SMTP transport was closed'), { code: 'ECONNECTION' });
}
