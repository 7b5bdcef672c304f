import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepared statements, each prepared once per owner and connection: an import or a send runs the
 * same few statements for every row. Kept per owner (not per connection) so that two parts of
 * the store never share one statement while one of them is still iterating it.
 */
const caches = new WeakMap<object, Map<string, Statement>>();

export function prepared<P extends unknown[] | object = unknown[], R = unknown>(owner: object, db: Database, sql: string): Statement<P, R> {
  let cache = caches.get(owner);
  if (!cache) caches.set(owner, (cache = new Map()));
  let s = cache.get(sql);
  if (!s) cache.set(sql, (s = db.prepare(sql)));
  return s as unknown as Statement<P, R>;
}
