import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** What the test server does for one RCPT TO or DATA of a recipient, in order of attempts. */
export type Behaviour =
  | 'accept'
  /** Reply with this SMTP code and text. */
  | { reply: number; text?: string }
  /** Close the connection without answering (before the message is handed over, at RCPT). */
  | 'drop'
  /** Read the whole message, then close the connection without answering (ambiguous). */
  | 'drop-after-data'
  /** Accept the message (250), then close the connection at once. */
  | 'accept-then-close';

export interface Received {
  to: string;
  raw: string;
  /** When the server accepted it (Date.now()). */
  at: number;
  /** The envelope sender (MAIL FROM). */
  from: string;
}

export interface TestSmtpServer {
  port: number;
  url: (auth?: string) => string;
  received: Received[];
  /** RCPT TO attempts per lower-cased address. */
  rcptAttempts: Map<string, number>;
  /** Per lower-cased address: what to do at RCPT / DATA on the 1st, 2nd, … attempt (then accept). */
  onRcpt: Map<string, Behaviour[]>;
  onData: Map<string, Behaviour[]>;
  /** What to do for every recipient without a script of its own (e.g. a policy rejection for everyone). */
  rcptDefault: Behaviour;
  dataDefault: Behaviour;
  /** The replies to the first MAIL FROM commands, in order, over all connections (a 421/454 storm). */
  onMailFrom: Behaviour[];
  /** MAIL FROM commands seen. */
  mailFromCount: () => number;
  /** Milliseconds to wait before answering each message (to make a send last). */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) in the test process that records what it receives and can be
 * scripted to fail per recipient: temporary and permanent replies, dropped connections.
 */
export async function startSmtpServer(opts: { auth?: { user: string; pass: string }; port?: number } = {}): Promise<TestSmtpServer> {
  const state = {
    received: [] as Received[],
    rcptAttempts: new Map<string, number>(),
    dataAttempts: new Map<string, number>(),
    onRcpt: new Map<string, Behaviour[]>(),
    onData: new Map<string, Behaviour[]>(),
    rcptDefault: 'accept' as Behaviour,
    dataDefault: 'accept' as Behaviour,
    onMailFrom: [] as Behaviour[],
    mailFrom: 0,
    delayMs: 0,
  };
  const next = (script: Map<string, Behaviour[]>, attempts: Map<string, number>, address: string, fallback: Behaviour): Behaviour => {
    const n = (attempts.get(address) ?? 0) + 1;
    attempts.set(address, n);
    const steps = script.get(address);
    return steps ? (steps[n - 1] ?? 'accept') : fallback;
  };
  const dropSession = (session: SMTPServerSession, graceful = false) => {
    for (const c of (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void; end(): void } }> }).connections) {
      if (c.id === session.id) {
        if (graceful) c._socket.end();
        else c._socket.destroy();
      }
    }
  };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      cb(err);
    },
    onMailFrom(_address, session, cb) {
      const b = state.onMailFrom[state.mailFrom++] ?? 'accept';
      if (b === 'drop') return dropSession(session);
      if (typeof b === 'object') return cb(Object.assign(new Error(b.text ?? 'refused'), { responseCode: b.reply }));
      cb();
    },
    onRcptTo(address, session, cb) {
      const to = address.address.toLowerCase();
      const b = next(state.onRcpt, state.rcptAttempts, to, state.rcptDefault);
      if (b === 'drop') return dropSession(session);
      if (typeof b === 'object') return cb(Object.assign(new Error(b.text ?? 'refused'), { responseCode: b.reply }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const b = next(state.onData, state.dataAttempts, to[0] ?? '', state.dataDefault);
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const answer = () => {
          if (b === 'drop' || b === 'drop-after-data') {
            // The server got the message but the client never hears so: it may count as delivered.
            if (b === 'drop-after-data') for (const t of to) state.received.push({ to: t, raw, from, at: Date.now() });
            return dropSession(session);
          }
          if (typeof b === 'object') return cb(Object.assign(new Error(b.text ?? 'refused'), { responseCode: b.reply }));
          for (const t of to) state.received.push({ to: t, raw, from, at: Date.now() });
          cb(null, 'Queued');
          if (b === 'accept-then-close') setImmediate(() => dropSession(session, true));
        };
        if (state.delayMs) setTimeout(answer, state.delayMs);
        else answer();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: (auth) => `smtp://${auth ? `${auth}@` : ''}127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    rcptAttempts: state.rcptAttempts,
    onRcpt: state.onRcpt,
    onData: state.onData,
    get rcptDefault() {
      return state.rcptDefault;
    },
    set rcptDefault(b: Behaviour) {
      state.rcptDefault = b;
    },
    get dataDefault() {
      return state.dataDefault;
    },
    set dataDefault(b: Behaviour) {
      state.dataDefault = b;
    },
    get onMailFrom() {
      return state.onMailFrom;
    },
    set onMailFrom(b: Behaviour[]) {
      state.onMailFrom = b;
    },
    mailFromCount: () => state.mailFrom,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** How many messages each recipient got. */
export function perRecipient(received: readonly Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  return counts;
}
