import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real IMAP server for the tests: Debian's Dovecot (package dovecot-imapd), started in a
 * temporary folder with a throwaway configuration (passwd-file authentication, Maildir storage),
 * as an unprivileged user (nobody when the tests run as root), on a free port of 127.0.0.1.
 */
export const DOVECOT = '/usr/sbin/dovecot';
const IMAP_BINARY = '/usr/lib/dovecot/imap';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:port/INBOX */
  url: (mailbox?: string) => string;
  /** Puts a message in the user's INBOX (or a folder) as a delivery agent would. */
  deliver: (raw: Buffer, folder?: string) => void;
  /** The messages in a folder (INBOX or a name), as files, read fresh. */
  messages: (folder?: string) => Buffer[];
  /** Their file names (Maildir keeps the IMAP flags in them: ":2,S" is \\Seen). */
  files: (folder?: string) => string[];
  stop: () => Promise<void>;
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** Who runs the server: the current user, or `nobody` when the tests run as root. */
function account(): Account {
  const me = os.userInfo();
  if (me.uid !== 0) return { name: me.username, uid: me.uid, gid: me.gid };
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('no "nobody" user in /etc/passwd to run Dovecot as');
  const [, , uid, gid] = line.split(':');
  return { name: 'nobody', uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function greeting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startDovecot(): Promise<Dovecot> {
  if (!fs.existsSync(DOVECOT) || !fs.existsSync(IMAP_BINARY)) {
    throw new Error(`Dovecot's IMAP server is missing (${DOVECOT}, ${IMAP_BINARY}): run scripts/install-system-deps.sh (apt package dovecot-imapd)`);
  }
  const who = account();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dovecot-'));
  fs.chmodSync(dir, 0o755);
  const user = 'bounces';
  const password = 'imap-test-password';
  const port = await freePort();
  const home = path.join(dir, 'home', user);
  const maildir = path.join(home, 'Maildir');
  for (const sub of ['run', 'state', 'home', home, maildir, ...['cur', 'new', 'tmp'].map((s) => path.join(maildir, s))]) {
    fs.mkdirSync(path.isAbsolute(sub) ? sub : path.join(dir, sub), { recursive: true });
  }
  fs.writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  const config = `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${who.name}
default_internal_group = #${who.gid}
default_login_user = ${who.name}
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${who.uid} gid=${who.gid} home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  chroot =
}
service submission-login {
  chroot =
}
service anvil {
  chroot =
}
service auth {
  user = ${who.name}
}
service auth-worker {
  user = ${who.name}
}
`;
  fs.writeFileSync(path.join(dir, 'dovecot.conf'), config);
  const chown = (p: string) => fs.chownSync(p, who.uid, who.gid);
  const chownTree = (p: string) => {
    chown(p);
    if (fs.statSync(p).isDirectory()) for (const n of fs.readdirSync(p)) chownTree(path.join(p, n));
  };
  if (os.userInfo().uid === 0) chownTree(dir);

  let child: ChildProcess;
  const started = new Promise<void>((resolve, reject) => {
    child = spawn(DOVECOT, ['-F', '-c', path.join(dir, 'dovecot.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(os.userInfo().uid === 0 ? { uid: who.uid, gid: who.gid } : {}),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dovecot exited (${code}): ${err}${readLog(dir)}`)));
    const until = Date.now() + 15_000;
    const poll = async () => {
      if (await greeting(port)) return resolve();
      if (Date.now() > until) return reject(new Error(`dovecot did not answer on port ${port}: ${err}${readLog(dir)}`));
      setTimeout(poll, 50);
    };
    void poll();
  });
  await started;

  let n = 0;
  const folderPath = (folder = 'INBOX') => (folder === 'INBOX' ? maildir : path.join(maildir, `.${folder}`));
  const files = (folder?: string): string[] => {
    const target = folderPath(folder);
    return ['new', 'cur'].flatMap((s) => {
      const d = path.join(target, s);
      return fs.existsSync(d) ? fs.readdirSync(d).sort().map((f) => path.join(s, f)) : [];
    });
  };
  return {
    port,
    user,
    password,
    url: (mailbox = 'INBOX') => `imap://${user}:${password}@127.0.0.1:${port}/${mailbox}`,
    deliver(raw, folder) {
      const target = folderPath(folder);
      for (const s of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(target, s), { recursive: true });
      const name = `${Date.now()}.M${++n}P${process.pid}.test`;
      const file = path.join(target, 'new', name);
      fs.writeFileSync(file, raw);
      if (os.userInfo().uid === 0) chownTree(target);
    },
    messages: (folder) => files(folder).map((f) => fs.readFileSync(path.join(folderPath(folder), f))),
    files,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  const file = path.join(dir, 'dovecot.log');
  return fs.existsSync(file) ? `\n${fs.readFileSync(file, 'utf8').slice(-2000)}` : '';
}
