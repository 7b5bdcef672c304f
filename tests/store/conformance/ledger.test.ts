import { ALLOWED_TRANSITIONS, LeaseLost, canTransition, sendStateAfterRun, type Outcome } from '../../../src/send/ledger';
import { Client } from 'pg';
import type { Store } from '../../../src/store/types';
import { checkAddress, type Address } from '../../../src/subscribers/address';
import { testEdition } from '../../helpers/edition';
import { describeStores, type StoreKit, type StoreLocation } from '../../helpers/stores';

const addr = (a: string) => {
  const c = checkAddress(a);
  if (!c.ok) throw new Error(c.reason);
  return c.address as Address;
};

const t0 = new Date('2026-01-05T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const OWNER = 'this-run';
const sent = (id: number): { id: number; outcome: Outcome } => ({ id, outcome: { to: 'sent', reply: '250 ok', messageId: `<${id}@x>` } });

/** A store with a, b, c subscribed and gone@ suppressed. */
async function seeded(kit: StoreKit): Promise<{ store: Store; where: StoreLocation }> {
  const where = await kit.fresh();
  const store = await kit.openAt(where);
  const imp = await store.subscribers.beginImport();
  for (const a of ['a@example.org', 'b@example.org', 'c@example.org', 'Gone@Example.org']) await imp.subscribe(addr(a), null);
  await imp.commit();
  await store.subscribers.suppress(addr('gone@example.org'), 'unsubscribed');
  return { store, where };
}

/** The send ledger's rules, through the Ledger interface only, on both stores. */
describeStores('send ledger', (kit) => {
  let store: Store;
  let where: StoreLocation;
  beforeEach(async () => {
    ({ store, where } = await seeded(kit));
  });

  /** A send begun and leased to `owner`, as the campaign does. */
  const begin = async (slug = 'x', owner = OWNER) => {
    const { send } = await store.ledger.beginSend({ slug, edition: testEdition(), now: t0 });
    expect(await store.ledger.acquireLease(send.id, owner, at(60_000), t0)).toBe(true);
    return send;
  };
  const commit = (sendId: number, outcomes: { id: number; outcome: Outcome }[], handedOver: number[] = [], now = t0, owner = OWNER) =>
    store.ledger.commit({ sendId, owner, outcomes, handedOver, now });
  /** The run that follows a crash: the dead run's lease is gone and a new run holds one. */
  const crashAndRestart = async (sendId: number, now = t0) => {
    await store.ledger.releaseLease(sendId, OWNER);
    expect(await store.ledger.acquireLease(sendId, 'next-run', new Date(now.getTime() + 60_000), now)).toBe(true);
  };

  it('freezes the audience when the send starts: active subscribers minus suppressions', async () => {
    const { send, created } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
    expect(created).toBe(true);
    const later = await store.subscribers.beginImport();
    await later.subscribe(addr('late@example.org'), null);
    await later.commit();
    expect((await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 })).created).toBe(false);
    expect(await store.ledger.counts(send.id)).toMatchObject({ pending: 3, sending: 0 });
    expect(await store.audienceSize()).toBe(4);
  });

  it('commits a claim before returning it: another connection sees the rows `sending`', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 2, t0, OWNER);
    expect(claimed.map((c) => c.address)).toEqual(['a@example.org', 'b@example.org']);
    expect(claimed.every((c) => c.attempts === 1)).toBe(true);
    const other = await kit.openAt(where);
    expect(await other.ledger.counts(send.id)).toMatchObject({ pending: 1, sending: 2 });
  });

  it('the first ids of a new store are 1, and a send mails in the audience\'s order (id order)', async () => {
    const fresh = await kit.open();
    const first = await fresh.subscribers.add(addr('first@example.org'), null, { source: 'cli' });
    expect(first.subscriber!.id).toBe(1);
    const order = await store.audience(10);
    const send = await begin();
    const claimed = [...(await store.ledger.claim(send.id, 2, t0, OWNER)), ...(await store.ledger.claim(send.id, 2, t0, OWNER))];
    expect(claimed.map((d) => d.address)).toEqual(order);
  });

  it('skips at claim time an address suppressed after the audience was frozen', async () => {
    const send = await begin();
    await store.subscribers.suppress(addr('b@example.org'), 'complained');
    const claimed = await store.ledger.claim(send.id, 5, t0, OWNER);
    expect(claimed.map((c) => c.address)).toEqual(['a@example.org', 'c@example.org']);
    expect(await store.ledger.counts(send.id)).toMatchObject({ skipped: 1, sending: 2 });
  });

  it('refuses a move the state machine does not allow', async () => {
    const send = await begin();
    const [first] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [sent(first!.id)]);
    // A sent delivery can never be recorded again (that would be a second message).
    await expect(commit(send.id, [{ id: first!.id, outcome: { to: 'pending', reply: '451', retryAt: t0 } }])).rejects.toThrow(/not sending/);
    expect(await store.ledger.counts(send.id)).toMatchObject({ sent: 1, pending: 2 });
    expect(ALLOWED_TRANSITIONS.sent).toEqual([]);
    expect(canTransition('unknown', 'sending')).toBe(false);
    expect(canTransition('pending', 'sent')).toBe(false);
  });

  it('a commit is all or nothing: one refused outcome leaves the others of the batch unrecorded', async () => {
    const send = await begin();
    const [a, b] = await store.ledger.claim(send.id, 2, t0, OWNER);
    await commit(send.id, [sent(a!.id)]);
    await expect(commit(send.id, [sent(b!.id), sent(a!.id)])).rejects.toThrow(/not sending/);
    expect(await store.ledger.counts(send.id)).toMatchObject({ sent: 1, sending: 1 });
  });

  it('does not claim a retry before its time', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 3, t0, OWNER);
    const retryAt = at(60_000);
    await commit(send.id, [{ id: claimed[0]!.id, outcome: { to: 'pending', reply: '451 later', retryAt } }]);
    await commit(send.id, claimed.slice(1).map((c) => sent(c.id)));
    expect(await store.ledger.claim(send.id, 3, at(30_000), OWNER)).toEqual([]);
    expect((await store.ledger.nextRetryAt(send.id))?.toISOString()).toBe(retryAt.toISOString());
    const retried = await store.ledger.claim(send.id, 3, retryAt, OWNER);
    expect(retried.map((c) => [c.address, c.attempts])).toEqual([['a@example.org', 2]]);
  });

  it('after a crash, makes rows that were on the wire `unknown` and the others `pending` again; only --resend-unknown requeues the unknown', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 3, t0, OWNER);
    // The first message's data had started (its mark is durable); the other two never left.
    await commit(send.id, [], [claimed[0]!.id]);
    await crashAndRestart(send.id);
    expect(await store.ledger.beginRun(send.id, t0)).toEqual({ unknown: 1, requeued: 2 });
    expect(await store.ledger.counts(send.id)).toMatchObject({ pending: 2, sending: 0, unknown: 1 });
    // Attempts count per run: the requeued rows start again from 1.
    expect((await store.ledger.claim(send.id, 5, t0, 'next-run')).map((c) => c.attempts)).toEqual([1, 1]);
    expect(await store.ledger.requeueUnknown(send.id, t0)).toBe(1);
    expect((await store.ledger.claim(send.id, 5, t0, 'next-run')).length).toBe(1);
  });

  it('a claim clears the on-the-wire mark of an earlier attempt of the same row', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [], [a!.id]);
    await commit(send.id, [{ id: a!.id, outcome: { to: 'pending', reply: '451 after data', retryAt: t0 } }]);
    await store.ledger.claim(send.id, 1, t0, OWNER);
    await crashAndRestart(send.id);
    expect(await store.ledger.beginRun(send.id, t0)).toEqual({ unknown: 0, requeued: 1 });
  });

  it('refuses claims and commits from a process that lost its lease (LeaseLost), writing nothing', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    const later = at(120_000);
    expect(await store.ledger.acquireLease(send.id, 'the-other-run', at(180_000), later)).toBe(true);
    await expect(commit(send.id, [], [a!.id])).rejects.toBeInstanceOf(LeaseLost);
    await expect(commit(send.id, [sent(a!.id)])).rejects.toBeInstanceOf(LeaseLost);
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
    expect(await store.ledger.topFailures(send.id, 5)).toEqual([
      { reply: '550 5.1.1 no such user', count: 1 },
      { reply: 'gave up after 5 attempts in this run: 451', count: 1 },
    ]);
    expect(await store.ledger.requeueFailed(send.id, t0)).toBe(1);
    expect((await store.ledger.claim(send.id, 5, t0, OWNER)).map((c) => c.address)).toEqual(['b@example.org', 'c@example.org']);
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
    await commit(send.id, [], [claimed[0]!.id], at(1000));
    await commit(send.id, [], [claimed[1]!.id], at(2000));
    expect((await store.ledger.handoverTimes(t0)).map((d) => d.getTime() - t0.getTime())).toEqual([1000, 2000]);
    expect(await store.ledger.handoverTimes(at(1000))).toHaveLength(1);
  });

  it('records a hard bounce as a suppression', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [{ id: a!.id, outcome: { to: 'failed', reply: '550 no such user', bounce: true } }]);
    expect(await store.subscribers.suppression(addr('a@example.org'))).toMatchObject({ reason: 'bounced', detail: '550 no such user' });
    expect((await store.subscribers.get(addr('a@example.org')))?.status).toBe('unsubscribed');
  });

  it('lists the deliveries of a send in some states, with their last reply', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    await commit(send.id, [{ id: a!.id, outcome: { to: 'unknown', reply: 'connection lost after data' } }]);
    expect(await store.ledger.listDeliveries(send.id, ['unknown'], 10)).toEqual([
      { address: 'a@example.org', state: 'unknown', attempts: 1, lastReply: 'connection lost after data', updatedAt: t0.toISOString() },
    ]);
    expect((await store.ledger.listDeliveries(send.id, ['pending', 'sending'], 10)).map((d) => d.address)).toEqual(['b@example.org', 'c@example.org']);
    expect((await store.ledger.listSends()).map((s) => [s.slug, s.counts.unknown, s.counts.pending])).toEqual([['x', 1, 2]]);
  });

  it('a correction moves only the deliveries not yet handed over to the new edition', async () => {
    const send = await begin();
    const [a] = await store.ledger.claim(send.id, 1, t0, OWNER);
    const { edition, moved } = await store.ledger.correct(send.id, { ...testEdition(), subject: 'Corrected', contentHash: 'h2' }, at(1000));
    expect([edition.number, moved]).toEqual([2, 2]);
    await commit(send.id, [sent(a!.id)]);
    const rest = await store.ledger.claim(send.id, 5, t0, OWNER);
    expect(rest.every((d) => d.editionId === edition.id)).toBe(true);
    expect(a!.editionId).not.toBe(edition.id);
  });

  it('moves a send only along SEND_TRANSITIONS, from the state it is really in', async () => {
    const send = await begin();
    await expect(store.ledger.transitionSend(send.id, 'stopped', 'sending', t0)).rejects.toThrow(/was not stopped/);
    await expect(store.ledger.transitionSend(send.id, 'sending', 'sending', t0)).rejects.toThrow(/not an allowed move/);
    await store.ledger.transitionSend(send.id, 'sending', 'stopped', t0);
    expect((await store.ledger.findSend('x'))?.state).toBe('stopped');
  });

  it('ends a run by the counts: stopped with rows left, finished when nothing is pending or on the wire', async () => {
    const send = await begin();
    const claimed = await store.ledger.claim(send.id, 3, t0, OWNER);
    await commit(send.id, claimed.slice(0, 2).map((c) => sent(c.id)));
    const early = await store.ledger.endRun(send.id, OWNER, (c) => sendStateAfterRun(true, c), t0);
    expect(early).toMatchObject({ state: 'stopped', othersRunning: 0, counts: { sent: 2, sending: 1 } });
    expect(await store.ledger.leaseHolders(send.id)).toEqual([]);

    expect(await store.ledger.acquireLease(send.id, 'next-run', at(60_000), t0)).toBe(true);
    await store.ledger.beginRun(send.id, t0);
    await store.ledger.transitionSend(send.id, 'stopped', 'sending', t0);
    const rest = await store.ledger.claim(send.id, 3, t0, 'next-run');
    await commit(send.id, rest.map((c) => sent(c.id)), [], t0, 'next-run');
    const end = await store.ledger.endRun(send.id, 'next-run', (c) => sendStateAfterRun(true, c), at(5000));
    expect(end).toMatchObject({ state: 'finished', othersRunning: 0, counts: { sent: 3 } });
    expect((await store.ledger.findSend('x'))?.finishedAt).toBe(at(5000).toISOString());
  });

  it('one sender per send (SQLite), or several joining one send (PostgreSQL)', async () => {
    const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
    const until = at(60_000);
    expect(await store.ledger.acquireLease(send.id, 'one', until, t0)).toBe(true);
    if (!store.ledger.sharedSends) {
      expect(await store.ledger.acquireLease(send.id, 'two', until, t0)).toBe(false);
      expect((await store.ledger.leaseHolder(send.id))?.owner).toBe('one');
      // Until the lease runs out (a hung or killed process).
      expect(await store.ledger.acquireLease(send.id, 'two', at(120_000), until)).toBe(true);
      expect((await store.ledger.leaseHolders(send.id)).map((h) => h.owner)).toEqual(['two']);
      return;
    }
    expect(await store.ledger.acquireLease(send.id, 'two', until, t0)).toBe(true);
    expect((await store.ledger.leaseHolders(send.id)).map((h) => h.owner).sort()).toEqual(['one', 'two']);
    // A lease that ran out is dropped when another sender starts.
    expect(await store.ledger.acquireLease(send.id, 'three', at(120_000), until)).toBe(true);
    expect((await store.ledger.leaseHolders(send.id)).map((h) => h.owner)).toEqual(['three']);
  });
});

/** Several senders on one send: what only a shared store (PostgreSQL) allows. */
describeStores(
  'several senders on one send',
  (kit) => {
    let store: Store;
    let where: StoreLocation;
    beforeEach(async () => {
      ({ store, where } = await seeded(kit));
    });

    it('concurrent claims from two connections never hand one delivery to both', async () => {
      const imp = await store.subscribers.beginImport();
      for (let i = 0; i < 200; i++) await imp.subscribe(addr(`m${i}@example.org`), null);
      await imp.commit();
      const other = await kit.openAt(where);
      const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
      await store.ledger.acquireLease(send.id, 'one', at(60_000), t0);
      await other.ledger.acquireLease(send.id, 'two', at(60_000), t0);
      const mine: number[] = [];
      const theirs: number[] = [];
      const drain = async (s: Store, owner: string, into: number[]) => {
        for (;;) {
          const got = await s.ledger.claim(send.id, 7, t0, owner);
          if (got.length === 0) return;
          into.push(...got.map((d) => d.id));
        }
      };
      await Promise.all([drain(store, 'one', mine), drain(other, 'two', theirs), drain(store, 'one', mine), drain(other, 'two', theirs)]);
      expect(mine.length).toBeGreaterThan(0);
      expect(theirs.length).toBeGreaterThan(0);
      expect(new Set([...mine, ...theirs]).size).toBe(mine.length + theirs.length);
      expect(mine.length + theirs.length).toBe(203);
    });

    it('a run starting beside a live sender leaves that sender\'s rows alone, and settles those of a sender gone', async () => {
      const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
      await store.ledger.acquireLease(send.id, 'live', at(60_000), t0);
      await store.ledger.acquireLease(send.id, 'dead', at(60_000), t0);
      const [l] = await store.ledger.claim(send.id, 1, t0, 'live');
      const [d1, d2] = await store.ledger.claim(send.id, 2, t0, 'dead');
      await store.ledger.commit({ sendId: send.id, owner: 'live', outcomes: [], handedOver: [l!.id], now: t0 });
      await store.ledger.commit({ sendId: send.id, owner: 'dead', outcomes: [], handedOver: [d1!.id], now: t0 });
      // 'dead' was killed: its lease is released by the next run on its machine (or runs out).
      await store.ledger.releaseLease(send.id, 'dead');
      await store.ledger.acquireLease(send.id, 'joiner', at(60_000), t0);
      expect(await store.ledger.beginRun(send.id, t0)).toEqual({ unknown: 1, requeued: 1 });
      expect((await store.ledger.listDeliveries(send.id, ['sending'], 10)).map((x) => x.address)).toEqual([l!.address]);
      expect(d2).toBeDefined();
      // The live sender goes on as if nothing happened.
      await store.ledger.commit({ sendId: send.id, owner: 'live', outcomes: [sent(l!.id)], handedOver: [], now: t0 });
    });

    it('a sender\'s commit touches only rows it claimed: a claim lost in a server crash and claimed again by another sender stays that one\'s', async () => {
      const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
      await store.ledger.acquireLease(send.id, 'one', at(60_000), t0);
      await store.ledger.acquireLease(send.id, 'two', at(60_000), t0);
      const [x] = await store.ledger.claim(send.id, 1, t0, 'one');
      // The server crashed before 'one''s claim reached its disk: the row is pending again.
      const client = new Client({ connectionString: where.databaseUrl });
      await client.connect();
      await client.query("UPDATE deliveries SET state = 'pending', claimed_by = NULL WHERE id = $1", [x!.id]);
      await client.end();
      const [again] = await store.ledger.claim(send.id, 1, t0, 'two');
      expect(again!.id).toBe(x!.id);
      await expect(store.ledger.commit({ sendId: send.id, owner: 'one', outcomes: [], handedOver: [x!.id], now: t0 })).rejects.toThrow(/not sending/);
      await expect(store.ledger.commit({ sendId: send.id, owner: 'one', outcomes: [sent(x!.id)], handedOver: [], now: t0 })).rejects.toThrow(/not sending by one/);
      await store.ledger.commit({ sendId: send.id, owner: 'two', outcomes: [], handedOver: [x!.id], now: t0 });
      await store.ledger.commit({ sendId: send.id, owner: 'two', outcomes: [sent(x!.id)], handedOver: [], now: t0 });
      expect(await store.ledger.counts(send.id)).toMatchObject({ sent: 1 });
    });

    it('a sender whose lease lapsed but who still runs is not settled over: the send is left to it', async () => {
      const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
      await store.ledger.acquireLease(send.id, 'late', at(1000), t0);
      await store.ledger.acquireLease(send.id, 'one', at(60_000), t0);
      const rows = await store.ledger.claim(send.id, 3, t0, 'late');
      // 'one' ends (interrupted) after late's lease ran out, while 'late' is still at work.
      expect(await store.ledger.endRun(send.id, 'one', () => 'stopped', at(5000))).toMatchObject({ state: 'sending', othersRunning: 1 });
      await store.ledger.commit({ sendId: send.id, owner: 'late', outcomes: rows.map((d) => sent(d.id)), handedOver: [], now: at(6000) });
      expect(await store.ledger.endRun(send.id, 'late', (n) => sendStateAfterRun(true, n), at(6000))).toMatchObject({ state: 'finished', othersRunning: 0 });
    });

    it('the last sender to end settles the send; one ending earlier leaves it to the others', async () => {
      const { send } = await store.ledger.beginSend({ slug: 'x', edition: testEdition(), now: t0 });
      await store.ledger.acquireLease(send.id, 'one', at(60_000), t0);
      await store.ledger.acquireLease(send.id, 'two', at(60_000), t0);
      const [a, b] = await store.ledger.claim(send.id, 2, t0, 'one');
      const [c] = await store.ledger.claim(send.id, 1, t0, 'two');
      await store.ledger.commit({ sendId: send.id, owner: 'one', outcomes: [sent(a!.id), sent(b!.id)], handedOver: [], now: t0 });
      const first = await store.ledger.endRun(send.id, 'one', (n) => sendStateAfterRun(true, n), t0);
      expect(first).toMatchObject({ state: 'sending', othersRunning: 1 });
      await store.ledger.commit({ sendId: send.id, owner: 'two', outcomes: [sent(c!.id)], handedOver: [], now: t0 });
      const last = await store.ledger.endRun(send.id, 'two', (n) => sendStateAfterRun(true, n), t0);
      expect(last).toMatchObject({ state: 'finished', othersRunning: 0, counts: { sent: 3 } });
    });

    it('one rate for all senders: each slot is at least one interval after the previous one of any sender', async () => {
      const pace = store.ledger.sharedPace!;
      const other = (await kit.openAt(where)).ledger.sharedPace!;
      const waits: number[] = [];
      // 10 s apart, so that the time the reservations themselves take (a busy machine) is noise.
      const reservations = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? pace : other).reserve(10_000, {})));
      for (const r of reservations) {
        if (!r.ok) throw new Error('no cap was set');
        waits.push(r.waitMs);
      }
      waits.sort((x, y) => x - y);
      expect(waits[0]!).toBeLessThan(1000);
      for (let i = 1; i < waits.length; i++) expect(waits[i]! - waits[i - 1]!).toBeGreaterThan(9000);
    });

    it('the caps count every sender\'s slots, and a refunded slot stops counting', async () => {
      const pace = store.ledger.sharedPace!;
      const other = (await kit.openAt(where)).ledger.sharedPace!;
      const caps = { perHour: 3 };
      const a = await pace.reserve(1, caps);
      const b = await other.reserve(1, caps);
      const c = await pace.reserve(1, caps);
      expect([a.ok, b.ok, c.ok]).toEqual([true, true, true]);
      const full = await other.reserve(1, caps);
      expect(full).toMatchObject({ ok: false, cap: 'max_per_hour', limit: 3 });
      if (full.ok || !a.ok) throw new Error('unreachable');
      // One more fits an hour after the oldest of the three.
      expect(full.resumeAt - Date.now()).toBeGreaterThan(3_500_000);
      await other.refund(a.slot);
      expect((await other.reserve(1, caps)).ok).toBe(true);
      expect(await pace.reserve(1, { perHour: 10, perDay: 3 })).toMatchObject({ ok: false, cap: 'max_per_day', limit: 3 });
    });
  },
  ['postgres'],
);
