import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store/types';
import { startPostgres, type Postgres } from './postgres';

/**
 * The store implementations the conformance suite (tests/store/conformance/) runs against: a real
 * SQLite file and a real PostgreSQL server. A conformance test file is
 *
 *   describeStores('subscribers', (kit) => {
 *     test('…', async () => {
 *       const store = await kit.open();
 *       …
 *     });
 *   });
 *
 * and uses the interfaces of src/store/types.ts (and the Ledger, FeedbackStore) only: no SQL, no
 * internals, so that every test holds for both stores. Stores opened through the kit are closed
 * after each test; the PostgreSQL server is started once per file and stopped after it.
 */
export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** Where a store lives, as the .env settings name it (what `openStore` reads). */
export interface StoreLocation {
  databasePath: string;
  databaseUrl?: string;
}

/** A clock the test moves by hand. */
export interface TestClock {
  (): Date;
  set(d: Date | string): void;
  advance(ms: number): void;
}

export function testClock(start: Date | string = '2026-01-05T10:00:00.000Z'): TestClock {
  let t = new Date(start).getTime();
  const clock = (() => new Date(t)) as TestClock;
  clock.set = (d) => (t = new Date(d).getTime());
  clock.advance = (ms) => (t += ms);
  return clock;
}

export interface StoreKit {
  kind: StoreKind;
  /** A new, empty store (a new file, or a new database), closed after the test. */
  open(opts?: { now?: () => Date }): Promise<Store>;
  /** A new, empty location, not opened yet. */
  fresh(): Promise<StoreLocation>;
  /** Opens (another connection to) the store at `where`, closed after the test. */
  openAt(where: StoreLocation, opts?: { now?: () => Date }): Promise<Store>;
  /** The running PostgreSQL server (postgres kind only). */
  postgres(): Postgres;
}

/** A temporary folder for SQLite files, removed at exit. */
function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'store-conformance-')), 'newsletter.db');
}

/** Runs `fn`'s tests once per store kind, each under `<title> (<kind>)`. */
export function describeStores(title: string, fn: (kit: StoreKit) => void, kinds: readonly StoreKind[] = STORE_KINDS): void {
  describe.each(kinds.map((k) => [k]))(`${title} (%s)`, (kind) => {
    let pg: Postgres | undefined;
    const opened: Store[] = [];
    const dirs: string[] = [];
    if (kind === 'postgres') {
      beforeAll(async () => {
        pg = await startPostgres();
      });
      afterAll(async () => {
        await pg?.stop();
      });
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    });
    afterAll(() => {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    });
    const fresh = async (): Promise<StoreLocation> => {
      const file = tempFile();
      dirs.push(path.dirname(file));
      if (kind === 'sqlite') return { databasePath: file };
      if (!pg) throw new Error('the PostgreSQL server did not start (see the beforeAll error)');
      return { databasePath: file, databaseUrl: await pg.createDatabase() };
    };
    const openAt = async (where: StoreLocation, opts: { now?: () => Date } = {}): Promise<Store> => {
      const store = await openStore({ env: where } as Parameters<typeof openStore>[0], opts);
      opened.push(store);
      return store;
    };
    const kit: StoreKit = {
      kind,
      fresh,
      openAt,
      open: async (opts) => openAt(await fresh(), opts),
      postgres: () => {
        if (!pg) throw new Error('no PostgreSQL server in a sqlite run');
        return pg;
      },
    };
    fn(kit);
  });
}

/** Everything an async iterable yields, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
