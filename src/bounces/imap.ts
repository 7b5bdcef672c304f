import { ImapFlow } from 'imapflow';
import { UserError } from '../util/errors';
import { MAX_REPORT_BYTES } from './report';
import type { IncomingMessage } from './sources';

export interface ImapSettings {
  url: string;
  /** Where processed reports are moved (created when missing); they are never deleted. */
  processedFolder: string;
}

/** What to do with a message once it has been read. */
export type Disposition = 'move' | 'leave';

const CONNECTION_TIMEOUT_MS = 30_000;

interface Target {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
  display: string;
}

function parseUrl(url: string): Target {
  // The .env schema (src/bounces/settings.ts) already refused anything but an imap(s):// URL.
  const u = new URL(url);
  if (!u.username) throw new UserError('BOUNCE_IMAP_URL has no user name: imaps://user:password@imap.example.org/INBOX');
  const secure = u.protocol === 'imaps:';
  const port = u.port ? Number(u.port) : secure ? 993 : 143;
  const mailbox = decodeURIComponent(u.pathname.replace(/^\/+/, '')) || 'INBOX';
  return {
    host: u.hostname,
    port,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox,
    display: `${u.protocol}//${u.hostname}:${port}/${mailbox}`,
  };
}

/**
 * Reads every message of the mailbox in BOUNCE_IMAP_URL, hands it to `handle`, and moves the
 * ones it says were reports to the processed folder. Bodies are fetched with BODY.PEEK, so a
 * person's reply left in the inbox stays unread.
 */
export async function processImapMailbox(settings: ImapSettings, handle: (msg: IncomingMessage) => Promise<Disposition>): Promise<{ display: string; moved: number }> {
  const t = parseUrl(settings.url);
  const client = new ImapFlow({
    host: t.host,
    port: t.port,
    secure: t.secure,
    auth: { user: t.user, pass: t.pass },
    logger: false,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: 2 * CONNECTION_TIMEOUT_MS,
  });
  // imapflow reports socket problems as 'error' events too; the awaited calls carry them.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(`BOUNCE_IMAP_URL: cannot reach ${t.display}: ${describe(err)}`);
  }
  let moved = 0;
  try {
    let lock;
    try {
      lock = await client.getMailboxLock(t.mailbox);
    } catch (err) {
      throw new UserError(`BOUNCE_IMAP_URL: cannot open the mailbox ${t.mailbox} on ${t.display}: ${describe(err)}`);
    }
    try {
      const folders = await client.list();
      if (!folders.some((f) => f.path === settings.processedFolder)) {
        try {
          await client.mailboxCreate(settings.processedFolder);
        } catch (err) {
          throw new UserError(`cannot create the IMAP folder ${settings.processedFolder} on ${t.display}: ${describe(err)}; create it or set BOUNCE_IMAP_PROCESSED_FOLDER`);
        }
      }
      const mailbox = client.mailbox;
      const exists = mailbox && typeof mailbox === 'object' ? mailbox.exists : 0;
      if (!exists) return { display: t.display, moved };
      const list: { uid: number; size: number }[] = [];
      for await (const m of client.fetch('1:*', { uid: true, size: true })) list.push({ uid: m.uid, size: m.size ?? 0 });
      for (const { uid, size } of list) {
        const label = `${t.display} UID ${uid}`;
        let incoming: IncomingMessage;
        if (size > MAX_REPORT_BYTES) {
          incoming = { label, problem: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB` };
        } else {
          const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
          incoming = msg && msg.source ? { label, raw: msg.source } : { label, problem: 'the server returned no content for it' };
        }
        if ((await handle(incoming)) === 'move') {
          await client.messageMove(String(uid), settings.processedFolder, { uid: true });
          moved++;
        }
      }
    } finally {
      lock.release();
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`BOUNCE_IMAP_URL: ${t.display}: ${describe(err)}`);
  } finally {
    await client.logout().catch(() => client.close());
  }
  return { display: t.display, moved };
}

function describe(err: unknown): string {
  const e = err as { code?: string; responseText?: string; authenticationFailed?: boolean; message?: string };
  if (e.authenticationFailed) return 'the server refused the user name or password';
  return [e.code, e.responseText ?? e.message].filter(Boolean).join(': ') || String(err);
}
