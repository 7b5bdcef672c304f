import type { Ledger } from '../send/ledger';
import type { PgDb } from './pg-db';
import type { PgEditionStore } from './pg-editions';

/** Placeholder until the PostgreSQL ledger lands: every method says so. */
function notYet(): never {
  throw new Error('the PostgreSQL send ledger is not implemented yet');
}

export class PgLedger implements Ledger {
  constructor(
    readonly db: PgDb,
    readonly editions: PgEditionStore,
  ) {}

  findSend = notYet;
  beginSend = notYet;
  correct = notYet;
  transitionSend = notYet;
  acquireLease = notYet;
  renewLease = notYet;
  releaseLease = notYet;
  leaseHolder = notYet;
  beginRun = notYet;
  requeueUnknown = notYet;
  requeueFailed = notYet;
  claim = notYet;
  commit = notYet;
  handoverTimes = notYet;
  counts = notYet;
  nextRetryAt = notYet;
  topFailures = notYet;
  listSends = notYet;
  listDeliveries = notYet;
}
