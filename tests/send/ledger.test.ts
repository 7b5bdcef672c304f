import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ALLOWED_TRANSITIONS, canTransition } from '../../src/send/ledger';
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
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    const claimed = await store.ledger.claim(send.id, 2, t0);
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
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    const [first] = await store.ledger.claim(send.id, 1, t0);
    await store.ledger.record([{ id: first!.id, outcome: { to: 'sent', reply: '250 ok', messageId: '<m@x>' } }], t0);
    // A sent delivery can never be recorded again (that would be a second message).
    await expect(store.ledger.record([{ id: first!.id, outcome: { to: 'pending', reply: '451', retryAt: t0 } }], t0)).rejects.toThrow(/was not sending/);
    expect(ALLOWED_TRANSITIONS.sent).toEqual([]);
    expect(canTransition('unknown', 'sending')).toBe(false);
    expect(canTransition('pending', 'sent')).toBe(false);
  });

  it('does not claim a retry before its time', async () => {
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    const claimed = await store.ledger.claim(send.id, 3, t0);
    const retryAt = new Date(t0.getTime() + 60_000);
    await store.ledger.record([{ id: claimed[0]!.id, outcome: { to: 'pending', reply: '451 later', retryAt } }], t0);
    await store.ledger.record(claimed.slice(1).map((c) => ({ id: c.id, outcome: { to: 'sent' as const, reply: '250', messageId: '<m>' } })), t0);
    expect(await store.ledger.claim(send.id, 3, new Date(t0.getTime() + 30_000))).toEqual([]);
    expect((await store.ledger.nextRetryAt(send.id))?.toISOString()).toBe(retryAt.toISOString());
    const retried = await store.ledger.claim(send.id, 3, retryAt);
    expect(retried.map((c) => [c.address, c.attempts])).toEqual([['a@example.org', 2]]);
  });

  it('turns rows left `sending` by a crash into `unknown`, and only --resend-unknown requeues them', async () => {
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    await store.ledger.claim(send.id, 2, t0);
    expect(await store.ledger.markInterruptedUnknown(send.id, t0)).toBe(2);
    expect(await store.ledger.counts(send.id)).toMatchObject({ pending: 1, sending: 0, unknown: 2 });
    expect((await store.ledger.claim(send.id, 5, t0)).length).toBe(1);
    expect(await store.ledger.requeueUnknown(send.id, t0)).toBe(2);
    expect((await store.ledger.claim(send.id, 5, t0)).length).toBe(2);
  });

  it('records a hard bounce as a suppression', async () => {
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    const [a] = await store.ledger.claim(send.id, 1, t0);
    await store.ledger.record([{ id: a!.id, outcome: { to: 'failed', reply: '550 no such user', bounce: true } }], t0);
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
