import { execFile, type ExecFileOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server for the tests: Debian's `postgresql` binaries (initdb, pg_ctl), a
 * cluster made in a temporary folder, run as an unprivileged user (`nobody` when the tests run
 * as root, which PostgreSQL refuses), listening on 127.0.0.1 on a free port, its socket in the
 * same folder, fsync off. One per test file: start it in beforeAll, `stop()` it in afterAll
 * (stopping is also what removes the folder).
 *
 * The cluster sorts text by an ICU locale (en-US), not by bytes: a query that relies on byte
 * order without saying COLLATE "C" differs from SQLite here, as it would on a real server.
 */
export interface Postgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres (the maintenance database). */
  url: string;
  port: number;
  password: string;
  /** A new, empty database; returns its URL. Each call gets its own. */
  createDatabase(): Promise<string>;
  /** The URL of a database by name on this server (it need not exist). */
  urlFor(database: string, opts?: { password?: string }): string;
  stop(): Promise<void>;
}

const PASSWORD = 'pg-test-password';

export const INSTALL_HINT = 'PostgreSQL is not installed (initdb and pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin): run `bash scripts/install-system-deps.sh`';

/** The folder holding initdb and pg_ctl: on PATH, or Debian's newest /usr/lib/postgresql/<v>/bin. */
export function postgresBin(searchPath = process.env.PATH ?? '', root = '/usr/lib/postgresql'): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

interface Account {
  uid: number;
  gid: number;
}

/** Who runs the server: the current user, or `nobody` when the tests run as root. */
function account(): Account | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('no "nobody" user in /etc/passwd to run PostgreSQL as (it refuses to run as root)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
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

function run(file: string, args: string[], opts: ExecFileOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(String(stdout));
    });
  });
}

let databases = 0;

/** `where` is for the test of the missing-binaries message only. */
export async function startPostgres(where: { searchPath?: string; root?: string } = {}): Promise<Postgres> {
  const bin = postgresBin(where.searchPath, where.root);
  if (!bin) throw new Error(INSTALL_HINT);
  const who = account();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-'));
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pwfile');
  fs.writeFileSync(pwfile, `${PASSWORD}\n`);
  if (who) {
    fs.chownSync(dir, who.uid, who.gid);
    fs.chownSync(pwfile, who.uid, who.gid);
  }
  const opts: ExecFileOptions = {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    ...(who ? { uid: who.uid, gid: who.gid } : {}),
  };
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await run(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], opts).catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '--no-instructions', '-E', 'UTF8',
        '--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=en-US'],
      opts,
    );
    const settings = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=40',
      '-c shared_buffers=16MB',
      '-c logging_collector=off',
    ].join(' ');
    started = true;
    await run(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', settings], opts);
  } catch (err) {
    const log = path.join(dir, 'server.log');
    const tail = fs.existsSync(log) ? `\n${fs.readFileSync(log, 'utf8').slice(-2000)}` : '';
    await stop();
    throw new Error(`${(err as Error).message}${tail}`);
  }
  const urlFor = (database: string, o: { password?: string } = {}) =>
    `postgres://postgres:${encodeURIComponent(o.password ?? PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url: urlFor('postgres'),
    port,
    password: PASSWORD,
    urlFor,
    async createDatabase() {
      const name = `t${process.pid}_${++databases}`;
      const client = new Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stop,
  };
}
