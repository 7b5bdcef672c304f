import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeProject, runCli, type CliResult } from '../helpers/cli';

/** A temp project with its own store file, and the CLI run against it in process. */
export interface StoreProject {
  dir: string;
  dbPath: string;
  env: Record<string, string>;
  cli: (...args: string[]) => Promise<CliResult>;
  /** Writes a file into the project and returns its name relative to the project. */
  write: (name: string, content: string | Buffer) => string;
  /** Everything in the subscriber tables, read with a separate connection. */
  contents: () => { subscribers: Record<string, unknown>[]; suppressions: Record<string, unknown>[] };
}

export function storeProject(): StoreProject {
  const dir = makeProject();
  const dbPath = path.join(dir, 'db.sqlite');
  const env = { DATABASE_PATH: dbPath };
  return {
    dir,
    dbPath,
    env,
    cli: (...args) => runCli(args, { cwd: dir, env }),
    write: (name, content) => {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), content);
      return name;
    },
    contents: () => readContents(dbPath),
  };
}

export function readContents(dbPath: string) {
  if (!fs.existsSync(dbPath)) return { subscribers: [], suppressions: [] };
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      subscribers: db.prepare('SELECT email, email_key, name, status FROM subscribers ORDER BY email_key').all() as Record<string, unknown>[],
      suppressions: db.prepare('SELECT address, reason, detail FROM suppressions ORDER BY address').all() as Record<string, unknown>[],
    };
  } finally {
    db.close();
  }
}

/** `email,name` rows for n generated subscribers. */
export function generatedCsv(n: number, header = 'email,name'): string {
  const lines = [header];
  for (let i = 0; i < n; i++) lines.push(`member${i}@example.org,Member ${i}`);
  return lines.join('\n') + '\n';
}
