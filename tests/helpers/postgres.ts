/**
 * A real PostgreSQL server for the tests, started by scripts/postgres.js (the bench uses it too):
 * a temporary cluster run as an unprivileged user on a free loopback port, fsync off. One per test
 * file: start it in beforeAll, `stop()` it in afterAll (stopping also removes its folder).
 */
export { INSTALL_HINT, postgresBin, startPostgres } from '../../scripts/postgres';
export type { Postgres } from '../../scripts/postgres';
