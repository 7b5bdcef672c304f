import fs from 'node:fs';
import type { PoolClient } from 'pg';
import { UserError } from '../util/errors';
import { PgDb, pgError } from './pg-db';
import { pgMigrate } from './pg-migrations';
import { openSqliteStore } from './sqlite';

/**
 * `newsletter store copy --to postgres://…`: the SQLite store, table by table, into an empty
 * PostgreSQL database, keeping every id. One read snapshot of the file and one transaction on the
 * server: a copy that fails or is interrupted leaves the database as empty as it was. Rows go in
 * batches (a store of millions of deliveries is never held in memory), and the copy is checked by
 * counting every table on both sides before it commits.
 */

/** The store's tables in an order that satisfies their foreign keys, each with its key (the copy order). */
export const COPIED_TABLES: readonly { table: string; key: string; identity: boolean }[] = [
  { table: 'subscribers', key: 'id', identity: true },
  { table: 'suppressions', key: 'address', identity: false },
  { table: 'mailboxes', key: 'id', identity: true },
  { table: 'subscription_events', key: 'id', identity: true },
  { table: 'signups', key: 'id', identity: true },
  { table: 'sends', key: 'id', identity: true },
  { table: 'editions', key: 'id', identity: true },
  { table: 'edition_assets', key: 'edition_id, path', identity: false },
  { table: 'deliveries', key: 'id', identity: true },
  { table: 'feedback_reports', key: 'key', identity: false },
];

export interface CopiedTable {
  table: string;
  sqlite: number;
  postgres: number;
}

export interface CopyOptions {
  /** Called after each table (for progress lines). */
  onTable?: (t: CopiedTable) => void;
  /** Called every PROGRESS_ROWS rows of a table, for a long copy. */
  onProgress?: (table: string, rows: number) => void;
  /** Rows per INSERT; also bounded by PostgreSQL's 65,535 parameters and by BATCH_BYTES. */
  batchRows?: number;
}

/** A batch is sent once its values reach this many bytes (edition assets can be large). */
const BATCH_BYTES = 4 * 1024 * 1024;
const MAX_PARAMS = 65_535;
export const PROGRESS_ROWS = 100_000;

function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length * 2;
  if (Buffer.isBuffer(v)) return v.length;
  return 8;
}

export async function copyStore(sqlitePath: string, url: string, opts: CopyOptions = {}): Promise<CopiedTable[]> {
  if (!fs.existsSync(sqlitePath)) throw new UserError(`there is no store at ${sqlitePath} to copy; check DATABASE_PATH`);
  // Opening brings the file to the current schema, the one the PostgreSQL migrations mirror.
  const source = openSqliteStore(sqlitePath);
  try {
    await refuseRunningSend(source, new Date());
  } catch (err) {
    await source.close();
    throw err;
  }
  const target = PgDb.create(url, { max: 1, setting: '--to' });
  let client: PoolClient | undefined;
  try {
    client = await target.connect();
    await pgMigrate(client, target.location);
    const sdb = source.db;
    sdb.exec('BEGIN'); // one snapshot of the file for the whole copy
    try {
      await client.query('BEGIN');
      const done = await copyTables(sdb, client, target, opts);
      await client.query('COMMIT');
      return done;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      if (sdb.inTransaction) sdb.exec('ROLLBACK');
    }
  } catch (err) {
    throw pgError(err, target.location, target.setting);
  } finally {
    client?.release();
    await target.end().catch(() => undefined);
    await source.close();
  }
}

type SqliteDb = ReturnType<typeof openSqliteStore>['db'];

/**
 * A send running on the SQLite store would go on writing there after the copy: its deliveries
 * would be mailed from the old store and pending in the new one. Refused while its lease lives.
 */
async function refuseRunningSend(source: ReturnType<typeof openSqliteStore>, now: Date): Promise<void> {
  for (const send of await source.ledger.listSends()) {
    if (send.state !== 'sending') continue;
    const holder = await source.ledger.leaseHolder(send.id);
    if (holder && holder.until > now) {
      throw new UserError(`${send.slug} is being sent from ${source.location} (by ${holder.owner}): copy the store when that send has finished or been stopped`);
    }
  }
}

async function copyTables(sdb: SqliteDb, client: PoolClient, target: PgDb, opts: CopyOptions): Promise<CopiedTable[]> {
  // Empty means no row in any of the store's tables (the schema alone was made by the migrations).
  const held: string[] = [];
  for (const { table } of COPIED_TABLES) {
    const n = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    if (n > 0) held.push(`${n.toLocaleString('en-US')} ${table}`);
  }
  if (held.length) {
    throw new UserError(
      `the database ${target.location} is not empty (it holds ${held.join(', ')}): store copy only fills an empty database; create a new one (createdb) and copy into it`,
    );
  }

  const out: CopiedTable[] = [];
  for (const { table, key } of COPIED_TABLES) {
    const columns = await sameColumns(sdb, client, table);
    const list = columns.map((c) => `"${c}"`).join(', ');
    const perBatch = Math.max(1, Math.min(opts.batchRows ?? 1000, Math.floor(MAX_PARAMS / columns.length)));
    let rows: unknown[][] = [];
    let bytes = 0;
    const flush = async () => {
      if (!rows.length) return;
      const params: unknown[] = [];
      const values = rows.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(', ')})`).join(', ');
      try {
        await client.query(`INSERT INTO ${table} (${list}) VALUES ${values}`, params);
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (e.code && /^(23|22)/.test(e.code)) {
          throw new UserError(`PostgreSQL refused a row of ${table} from the SQLite store (${e.message}); nothing was copied`);
        }
        throw err;
      }
      rows = [];
      bytes = 0;
    };
    const stmt = sdb.prepare(`SELECT ${list} FROM ${table} ORDER BY ${key}`).raw(true);
    let read = 0;
    for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
      rows.push(row);
      if (++read % PROGRESS_ROWS === 0) opts.onProgress?.(table, read);
      bytes += row.reduce<number>((s, v) => s + sizeOf(v), 0);
      if (rows.length >= perBatch || bytes >= BATCH_BYTES) await flush();
    }
    await flush();
    const sqliteCount = (sdb.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const pgCount = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    const entry = { table, sqlite: sqliteCount, postgres: pgCount };
    out.push(entry);
    opts.onTable?.(entry);
  }
  await resetSequences(sdb, client);
  // The caps (max_per_hour, max_per_day) count the slots of the shared pace: the last day's
  // hand-overs are its history, so a send paused by a cap stays paused after the move.
  await client.query("INSERT INTO send_slots (at) SELECT handed_over_at::timestamptz FROM deliveries WHERE handed_over_at::timestamptz > now() - interval '1 day'");
  const wrong = out.filter((t) => t.sqlite !== t.postgres);
  if (wrong.length) {
    throw new UserError(`the copy does not match (${wrong.map((t) => `${t.table}: ${t.sqlite} in SQLite, ${t.postgres} in PostgreSQL`).join('; ')}); nothing was copied`);
  }
  return out;
}

/**
 * Columns only the PostgreSQL store has (several senders: the sender that claimed a delivery);
 * they start empty in a copy.
 */
const PG_ONLY_COLUMNS: Readonly<Record<string, readonly string[]>> = { deliveries: ['claimed_by'] };

/** The columns of a table, which must be the same on both sides (both at the same schema version). */
async function sameColumns(sdb: SqliteDb, client: PoolClient, table: string): Promise<string[]> {
  const sqlite = (sdb.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name).sort();
  const pgOnly = PG_ONLY_COLUMNS[table] ?? [];
  const pg = (
    await client.query<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [table])
  ).rows
    .map((r) => r.name)
    .filter((name) => !pgOnly.includes(name))
    .sort();
  if (sqlite.join() !== pg.join()) {
    throw new Error(`the ${table} table differs between the SQLite (${sqlite.join(', ')}) and PostgreSQL (${pg.join(', ')}) schemas`);
  }
  return sqlite;
}

/**
 * Identity columns continue after the copied ids; for subscribers, mailboxes and signups after
 * the highest id SQLite ever handed out (AUTOINCREMENT's sqlite_sequence), so an id of a removed
 * row, which an old unsubscribe link may carry, never names someone else.
 */
async function resetSequences(sdb: SqliteDb, client: PoolClient): Promise<void> {
  const seqs = new Map(
    (sdb.prepare("SELECT name, seq FROM sqlite_sequence").all() as { name: string; seq: number }[]).map((r) => [r.name, Number(r.seq)]),
  );
  for (const { table, identity } of COPIED_TABLES) {
    if (!identity) continue;
    const max = Number((await client.query<{ n: string | null }>(`SELECT max(id) AS n FROM ${table}`)).rows[0]!.n ?? 0);
    const n = Math.max(max, seqs.get(table) ?? 0);
    if (n > 0) await client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2, true)`, [table, n]);
  }
}
