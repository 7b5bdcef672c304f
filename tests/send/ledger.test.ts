import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ALLOWED_TRANSITIONS, LeaseLost, canTransition, type Outcome } from '../../src/send/ledger';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite';
import { checkAddress, type Address } from '../../src/subscribers/address';
import { testEdition } from '../helpers/edition';

const addr = (a: string) => {
  const c = checkAddress(a);
  if (!c.ok) throw new Error(c.reason);
  return c.address as Address;
};

/** The ledger on a real SQLite file: frozen audience, durable claims, only allowed moves. */
describe('SQLite send ledger', () => {
  let file: string;
  let store: SqliteStore;
  const t0 = new Date('2026-01-05T10:00:00Z');

  beforeEach(async () => {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'db.sqlite');
    store = openSqliteStore(file);
    const imp = await store.subscribers.beginImport();
    for (const a of ['a@example.org', 'b@example.org', 'c@example.org', 'Gone@Example.org']) await imp.subscribe(addr(a), null);
    await imp.commit();
    await store.subscribers.suppress(addr('gone@example.org'), 'unsubscribed');
  });
  afterEach(async () => {
    await store.close();
  });

  const OWNER = 'this-run';
  /** A send begun and leased to OWNER, as the campaign does. */
  const begin = async (slug = 'x') => {
    const { send } = await store.ledger.beginSend({ slug, edition: testEdition(), now: t0 });
    expect(await store.ledger.acquireLease(send.id, OWNER, new Date(t0.getTime() + 60_000), t0)).toBe(true);
    return send;
  };
  const commit = (sendId: number, outcomes: { id: number; outcome: Outcome }[], handedOver: number[] = [], now = t0) =>
    store.ledger.commit({ sendId, owner: OWNER, outcomes, handedOver, now });

  it('freezes the audience when the send starts: active subscribers minus suppressions', async () => {
    const { send, created } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
    expect(created).toBe(true);
    const later = await store.subscribers.beginImport();
    await later.subscribe(addr('late@example.org'), null);
    await later.commit();
    expect((await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 })).created).toBe(false);
    expect(await store.ledger.counts(send.id)).toMatchObject({ pending: 3, sending: 0 });
  });

  it('commits a claim before returning it: another connection sees the rows `sending`', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 2, t0, OWNER);
    expect(claimed.map((c) => c.address)).toEqual(['a@example.org', 'b@example.org']);
    expect(claimed.every((c) => c.attempts === 1)).toBe(true);
    const other = new Database(file, { readonly: true });
    const states = other.prepare("SELECT state, count(*) AS n FROM deliveries GROUP BY state ORDER BY state").all();
    other.close();
    expect(states).toEqual([
      { state: 'pending', n: 1 },
      { state: 'sending', n: 2 },
    ]);
  });

  it('refuses a move the state machine does not allow', async () => {
    const send = await begin();
    const [first] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [{ id: first!.id, outcome: { to: 'sent', reply: '250 ok', messageId: '<m@x>' } }]);
    // A sent delivery can never be recorded again (that would be a second message).
    await expect(commit(send.id, [{ id: first!.id, outcome: { to: 'pending', reply: '451', retryAt: t0 } }])).rejects.toThrow(/was not sending/);
    expect(ALLOWED_TRANSITIONS.sent).toEqual([]);
    expect(canTransition('unknown', 'sending')).toBe(false);
    expect(canTransition('pending', 'sent')).toBe(false);
  });

  it('does not claim a retry before its time', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 3, t0, OWNER);
    const retryAt = new Date(t0.getTime() + 60_000);
    await commit(send.id, [{ id: claimed[0]!.id, outcome: { to: 'pending', reply: '451 later', retryAt } }]);
    await commit(send.id, claimed.slice(1).map((c) => ({ id: c.id, outcome: { to: 'sent' as const, reply: '250', messageId: '<m>' } })));
    expect(await store.ledger.claim(send.id, 3, new Date(t0.getTime() + 30_000), OWNER)).toEqual([]);
    expect((await store.ledger.nextRetryAt(send.id))?.toISOString()).toBe(retryAt.toISOString());
    const retried = await store.ledger.claim(send.id, 3, retryAt, OWNER);
    expect(retried.map((c) => [c.address, c.attempts])).toEqual([['a@example.org', 2]]);
  });

  it('after a crash, makes rows that were on the wire `unknown` and the others `pending` again; only --resend-unknown requeues the unknown', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 3, t0, OWNER);
    // The first message's data had started (its mark is durable); the other two never left.
    await commit(send.id, [], [claimed[0]!.id]);
    expect(await store.ledger.beginRun(send.id, t0)).toEqual({ unknown: 1, requeued: 2 });
    expect(await store.ledger.counts(send.id)).toMatchObject({ pending: 2, sending: 0, unknown: 1 });
    // Attempts count per run: the requeued rows start again from 1.
    expect((await store.ledger.claim(send.id, 5, t0, OWNER)).map((c) => c.attempts)).toEqual([1, 1]);
    expect(await store.ledger.requeueUnknown(send.id, t0)).toBe(1);
    expect((await store.ledger.claim(send.id, 5, t0, OWNER)).length).toBe(1);
  });

  it('a claim clears the on-the-wire mark of an earlier attempt of the same row', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [], [a!.id]);
    await commit(send.id, [{ id: a!.id, outcome: { to: 'pending', reply: '451 after data', retryAt: t0 } }]);
    await store.ledger.claim(send.id, 1, t0, OWNER);
    expect(await store.ledger.beginRun(send.id, t0)).toEqual({ unknown: 0, requeued: 1 });
  });

  it('refuses claims and commits from a process that lost its lease (LeaseLost), writing nothing', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    const later = new Date(t0.getTime() + 120_000);
    expect(await store.ledger.acquireLease(send.id, 'the-other-run', new Date(later.getTime() + 60_000), later)).toBe(true);
    await expect(commit(send.id, [], [a!.id])).rejects.toBeInstanceOf(LeaseLost);
    await expect(commit(send.id, [{ id: a!.id, outcome: { to: 'sent', reply: '250', messageId: '<m>' } }])).rejects.toBeInstanceOf(LeaseLost);
    await expect(store.ledger.claim(send.id, 1, t0, OWNER)).rejects.toBeInstanceOf(LeaseLost);
    // The row was never marked on the wire: the other run sends it.
    expect(await store.ledger.beginRun(send.id, later)).toEqual({ unknown: 0, requeued: 1 });
  });

  it('--retry-failed requeues failed rows but not bounced (suppressed) addresses', async () => {
    const send = await begin();
    const [a, b] = await store.ledger.claim(send.id, 2, t0, OWNER);
    await commit(send.id, [
      { id: a!.id, outcome: { to: 'failed', reply: '550 5.1.1 no such user', bounce: true } },
      { id: b!.id, outcome: { to: 'failed', reply: 'gave up after 5 attempts in this run: 451', bounce: false } },
    ]);
    expect(await store.ledger.requeueFailed(send.id, t0)).toBe(1);
    expect((await store.ledger.claim(send.id, 5, t0, OWNER)).map((c) => c.address)).toEqual(['b@example.org', 'c@example.org']);
    expect(canTransition('failed', 'pending')).toBe(true);
  });

  it('a throttled attempt (refund) is not counted in the run', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [{ id: a!.id, outcome: { to: 'pending', reply: '421 slow down', retryAt: t0, refund: true } }]);
    expect((await store.ledger.claim(send.id, 1, t0, OWNER))[0]!.attempts).toBe(1);
  });

  it('keeps when messages went on the wire, over every send, for the caps', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 2, t0, OWNER);
    await commit(send.id, [], [claimed[0]!.id], new Date(t0.getTime() + 1000));
    await commit(send.id, [], [claimed[1]!.id], new Date(t0.getTime() + 2000));
    expect((await store.ledger.handoverTimes(t0)).map((d) => d.getTime() - t0.getTime())).toEqual([1000, 2000]);
    expect(await store.ledger.handoverTimes(new Date(t0.getTime() + 1000))).toHaveLength(1);
  });

  it('records a hard bounce as a suppression', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [{ id: a!.id, outcome: { to: 'failed', reply: '550 no such user', bounce: true } }]);
    expect(await store.subscribers.suppression(addr('a@example.org'))).toMatchObject({ reason: 'bounced', detail: '550 no such user' });
    expect((await store.subscribers.get(addr('a@example.org')))?.status).toBe('unsubscribed');
  });

  it('lets one owner hold the lease at a time, until it expires', async () => {
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    const until = new Date(t0.getTime() + 60_000);
    expect(await store.ledger.acquireLease(send.id, 'one', until, t0)).toBe(true);
    expect(await store.ledger.acquireLease(send.id, 'two', until, t0)).toBe(false);
    expect((await store.ledger.leaseHolder(send.id))?.owner).toBe('one');
    expect(await store.ledger.acquireLease(send.id, 'two', new Date(until.getTime() + 60_000), until)).toBe(true);
  });
});

describe('subscriber ids', () => {
  it('are never reused after a delete, so an old unsubscribe link cannot reach a new subscriber', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ids-')), 'db.sqlite');
    const store = openSqliteStore(file);
    try {
      const imp = await store.subscribers.beginImport();
      await imp.subscribe(addr('first@example.org'), null);
      await imp.subscribe(addr('newest@example.org'), null);
      await imp.commit();
      const removedId = (await store.subscribers.get(addr('newest@example.org')))!.id;
      expect(await store.subscribers.remove(addr('newest@example.org'))).toBe(true);
      const again = await store.subscribers.beginImport();
      await again.subscribe(addr('someone-else@example.org'), null);
      await again.commit();
      expect((await store.subscribers.get(addr('someone-else@example.org')))!.id).toBeGreaterThan(removedId);
    } finally {
      await store.close();
    }
  });
});
