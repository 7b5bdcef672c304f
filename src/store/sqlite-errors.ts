import { UserError } from '../util/errors';

/** SQLite's expected failures, as one line the user can act on; anything else passes through. */
export function storeError(err: unknown, location: string): unknown {
  const code = (err as { code?: unknown })?.code;
  const said = (err as Error)?.message;
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_LOCKED':
      return new UserError(`the store ${location} is busy: another newsletter command is writing to it; try again when it has finished`);
    case 'SQLITE_NOTADB':
      return new UserError(`${location} is not a newsletter store (SQLite: ${said}); check DATABASE_PATH`);
    case 'SQLITE_CORRUPT':
      return new UserError(`the store ${location} is damaged (SQLite: ${said}); restore it from a backup`);
    case 'SQLITE_CANTOPEN':
      return new UserError(`cannot open the store ${location} (SQLite: ${said}); check DATABASE_PATH and the folder's permissions`);
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return new UserError(`the store ${location} is read-only (SQLite: ${said}); check the file's permissions`);
    case 'SQLITE_FULL':
      return new UserError(`the disk holding ${location} is full; nothing was written`);
    default:
      return err;
  }
}

/** Runs one store operation, translating SQLite's expected failures. */
export function guard<T>(location: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storeError(err, location);
  }
}
