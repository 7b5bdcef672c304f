/** See scripts/postgres.js. */
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

export declare const INSTALL_HINT: string;
/** The folder holding initdb and pg_ctl, if PostgreSQL is installed. */
export declare function postgresBin(searchPath?: string, root?: string): string | undefined;
/**
 * `durable`: fsync and synchronous_commit on, as a production server (the bench); off by default
 * (the tests). `searchPath` and `root`: where to look for the binaries (the missing-binaries test).
 */
export declare function startPostgres(opts?: { durable?: boolean; searchPath?: string; root?: string }): Promise<Postgres>;
