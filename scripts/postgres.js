'use strict';
/**
 * A real PostgreSQL server for the tests and the bench: Debian's `postgresql` binaries (initdb,
 * pg_ctl, installed by scripts/install-system-deps.sh), a cluster made in a temporary folder, run
 * as an unprivileged user (`nobody` when running as root, which PostgreSQL refuses), listening on
 * 127.0.0.1 on a free port, its socket in the same folder. `stop()` stops it and removes the folder.
 *
 * The tests run it with fsync off (fast, nothing to keep); the bench with `durable: true`, so a
 * commit waits for the disk as a production server's does and the comparison with SQLite
 * (synchronous=FULL) is fair.
 *
 * The cluster sorts text by an ICU locale (en-US), not by bytes: a query that relies on byte
 * order without saying COLLATE "C" differs from SQLite here, as it would on a real server.
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const PASSWORD = 'pg-test-password';

const INSTALL_HINT =
  'PostgreSQL is not installed (initdb and pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin): run `bash scripts/install-system-deps.sh`';

/** The folder holding initdb and pg_ctl: on PATH, or Debian's newest /usr/lib/postgresql/<v>/bin. */
function postgresBin(searchPath = process.env.PATH ?? '', root = '/usr/lib/postgresql') {
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

/** Who runs the server: the current user, or `nobody` when running as root. */
function account() {
  if (os.userInfo().uid !== 0) return undefined;
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('no "nobody" user in /etc/passwd to run PostgreSQL as (it refuses to run as root)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(file, args, opts) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(String(stdout));
    });
  });
}

let databases = 0;

/** `searchPath` and `root` are for the test of the missing-binaries message only. */
async function startPostgres(options = {}) {
  const bin = postgresBin(options.searchPath, options.root);
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
  const opts = {
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
    const durability = options.durable ? ['-c fsync=on', '-c synchronous_commit=on'] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
    const settings = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      ...durability,
      '-c max_connections=40',
      `-c shared_buffers=${options.durable ? '128MB' : '16MB'}`,
      '-c logging_collector=off',
    ].join(' ');
    started = true;
    await run(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', settings], opts);
  } catch (err) {
    const log = path.join(dir, 'server.log');
    const tail = fs.existsSync(log) ? `\n${fs.readFileSync(log, 'utf8').slice(-2000)}` : '';
    await stop();
    throw new Error(`${err.message}${tail}`);
  }
  const urlFor = (database, o = {}) => `postgres://postgres:${encodeURIComponent(o.password ?? PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url: urlFor('postgres'),
    port,
    password: PASSWORD,
    urlFor,
    async createDatabase() {
      const { Client } = require('pg');
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

module.exports = { INSTALL_HINT, postgresBin, startPostgres };
