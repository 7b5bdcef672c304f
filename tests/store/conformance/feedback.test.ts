import type { SoftBouncePolicy } from '../../../src/bounces/feedback';
import type { FeedbackItem } from '../../../src/bounces/store';
import type { Outcome } from '../../../src/send/ledger';
import type { Store } from '../../../src/store/types';
import { parseAddress } from '../../../src/subscribers/address';
import { testEdition } from '../../helpers/edition';
import { describeStores } from '../../helpers/stores';

/** Bounces and complaints applied to deliveries, through the interfaces only, on every store. */
const a = parseAddress;
const t0 = new Date('2026-01-05T10:00:00.000Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const OWNER = 'conformance';
const policy: SoftBouncePolicy = { limit: 2, windowDays: 30 };

/** A send of `slug` to `addresses`, each delivery ending as `outcome` says (default sent); returns delivery ids by address. */
async function sendTo(store: Store, slug: string, now: Date, outcome: (address: string, id: number) => Outcome | 'pending' = (_x, id) => ({ to: 'sent', reply: '250 ok', messageId: `<${slug}.${id}@example.org>` })) {
  const { send } = await store.ledger.beginSend({ slug, edition: testEdition(), now });
  await store.ledger.acquireLease(send.id, OWNER, new Date(now.getTime() + 60_000), now);
  const claimed = await store.ledger.claim(send.id, 1000, now, OWNER);
  const done = claimed.map((c) => ({ c, o: outcome(c.address, c.id) })).filter((x) => x.o !== 'pending') as { c: (typeof claimed)[number]; o: Outcome }[];
  await store.ledger.commit({ sendId: send.id, owner: OWNER, outcomes: [], handedOver: done.map((x) => x.c.id), now });
  await store.ledger.commit({ sendId: send.id, owner: OWNER, outcomes: done.map((x) => ({ id: x.c.id, outcome: x.o })), handedOver: [], now });
  return { sendId: send.id, ids: new Map(claimed.map((c) => [c.address, c.id])) };
}

const item = (key: string, deliveryId: number, kind: FeedbackItem['kind'], detail: string = kind): FeedbackItem => ({ key, source: 'mail', kind, deliveryId, status: kind === 'hard' ? '5.1.1' : undefined, detail });

describeStores('bounces and complaints', (kit) => {
  async function storeWith(addresses: string[]) {
    const store = await kit.open();
    const imp = await store.subscribers.beginImport();
    for (const x of addresses) await imp.subscribe(a(x), null);
    await imp.commit();
    return store;
  }

  test('finding the delivery a report is about: by id, by Message-ID (with or without brackets), by recipient among recent deliveries', async () => {
    const store = await storeWith(['Ann@example.org', 'bob@example.org']);
    const { sendId, ids } = await sendTo(store, 'first', t0, (x, id) => (x === 'bob@example.org' ? { to: 'failed', reply: '550 no', bounce: true } : { to: 'sent', reply: '250', messageId: `<first.${id}@example.org>` }));
    const ann = ids.get('Ann@example.org')!;
    const ref = { id: ann, sendId, slug: 'first', address: 'Ann@example.org', state: 'sent', feedback: null, createdAt: t0.toISOString() };
    expect(await store.feedback.delivery(ann)).toEqual(ref);
    expect(await store.feedback.delivery(999_999)).toBeUndefined();
    expect(await store.feedback.deliveryByMessageId(`<first.${ann}@example.org>`)).toEqual(ref);
    expect(await store.feedback.deliveryByMessageId(` first.${ann}@example.org `)).toEqual(ref);
    expect(await store.feedback.deliveryByMessageId('<>')).toBeUndefined();
    expect(await store.feedback.recentDelivery('ANN@EXAMPLE.ORG', later(-1))).toEqual(ref);
    expect(await store.feedback.recentDelivery('ann@example.org', later(1))).toBeUndefined();
    // A failed delivery never reached a server: no report can be about it.
    expect(await store.feedback.recentDelivery('bob@example.org', later(-1))).toBeUndefined();

    const second = await sendTo(store, 'second', later(60));
    expect((await store.feedback.recentDelivery('ann@example.org', t0))!.id).toBe(second.ids.get('Ann@example.org'));
  });

  test('a hard bounce marks the delivery and suppresses the address; the same report again is a duplicate', async () => {
    const store = await storeWith(['h@example.org', 'ok@example.org']);
    const { sendId, ids } = await sendTo(store, 's', t0);
    const id = ids.get('h@example.org')!;
    const out = await store.feedback.apply([item('dsn-1', id, 'hard', '550 5.1.1 no such user')], policy, later(5));
    expect(out).toEqual([{ applied: true, note: 'hard bounce: suppressed', suppressed: true, address: 'h@example.org' }]);
    expect(await store.feedback.delivery(id)).toMatchObject({ feedback: 'bounced' });
    expect(await store.subscribers.suppression(a('h@example.org'))).toEqual({ address: 'h@example.org', reason: 'bounced', at: later(5).toISOString(), detail: 'mail: 550 5.1.1 no such user' });
    expect(await store.subscribers.get(a('h@example.org'))).toMatchObject({ status: 'unsubscribed', updatedAt: later(5).toISOString() });
    expect(await store.feedback.apply([item('dsn-1', id, 'hard')], policy, later(6))).toEqual([{ applied: false, duplicate: true, address: 'h@example.org' }]);
    expect(await store.feedback.counts(sendId)).toEqual({ bounced: 1, softBounced: 0, complained: 0 });
    expect(await store.feedback.list(sendId, 10)).toEqual([{ address: 'h@example.org', feedback: 'bounced', detail: '550 5.1.1 no such user' }]);
  });

  test('soft bounces count across sends in the window; the limit suppresses; a complaint outranks a bounce', async () => {
    const store = await storeWith(['s@example.org']);
    const first = await sendTo(store, 'one', t0);
    const second = await sendTo(store, 'two', later(60));
    const [r1] = await store.feedback.apply([item('soft-1', first.ids.get('s@example.org')!, 'soft', 'mailbox full')], policy, later(61));
    expect(r1).toEqual({ applied: true, note: 'soft bounce 1 of 2 in 30 days', suppressed: false, address: 's@example.org' });
    const [r2] = await store.feedback.apply([item('soft-2', second.ids.get('s@example.org')!, 'soft', 'mailbox full')], policy, later(62));
    expect(r2).toEqual({ applied: true, note: 'soft bounce 2 of 2 in 30 days: suppressed', suppressed: true, address: 's@example.org' });
    expect(await store.subscribers.suppression(a('s@example.org'))).toMatchObject({ reason: 'bounced' });
    const [r3] = await store.feedback.apply([item('arf-1', second.ids.get('s@example.org')!, 'complaint', 'abuse report')], policy, later(63));
    expect(r3).toMatchObject({ applied: true, note: 'complaint: suppressed', suppressed: false });
    expect(await store.subscribers.suppression(a('s@example.org'))).toEqual({ address: 's@example.org', reason: 'complained', at: later(63).toISOString(), detail: 'mail: abuse report' });
    expect(await store.feedback.delivery(second.ids.get('s@example.org')!)).toMatchObject({ feedback: 'complained' });
    expect(await store.subscribers.counts()).toMatchObject({ suppressed: 1, bounced: 0, complained: 1 });
    const byEdition = await store.feedback.countsByEdition(second.sendId);
    expect([...byEdition.values()]).toEqual([{ bounced: 0, softBounced: 0, complained: 1 }]);
  });

  test('a report about a delivery that was not sent is recorded only; refused and delayed never suppress', async () => {
    const store = await storeWith(['p@example.org', 'r@example.org']);
    const { ids } = await sendTo(store, 's', t0, (x, id) => (x === 'p@example.org' ? 'pending' : { to: 'sent', reply: '250', messageId: `<${id}@x>` }));
    const [pending] = await store.feedback.apply([item('k1', ids.get('p@example.org')!, 'hard')], policy, later(1));
    expect(pending).toEqual({ applied: true, note: 'delivery was sending, not sent: recorded only', suppressed: false, address: 'p@example.org' });
    expect(await store.subscribers.suppression(a('p@example.org'))).toBeUndefined();
    const out = await store.feedback.apply([item('k2', ids.get('r@example.org')!, 'refused'), item('k3', ids.get('r@example.org')!, 'delayed')], policy, later(2));
    expect(out.map((o) => o.applied && o.suppressed)).toEqual([false, false]);
    expect(await store.feedback.delivery(ids.get('r@example.org')!)).toMatchObject({ feedback: null });
  });

  test('a report is applied whole or not at all', async () => {
    const store = await storeWith(['w@example.org']);
    const { ids } = await sendTo(store, 's', t0);
    await expect(store.feedback.apply([item('good', ids.get('w@example.org')!, 'hard'), item('bad', 987_654, 'hard')], policy, later(1))).rejects.toThrow('delivery 987654 does not exist');
    expect(await store.subscribers.suppression(a('w@example.org'))).toBeUndefined();
    expect(await store.feedback.delivery(ids.get('w@example.org')!)).toMatchObject({ feedback: null });
    // The good item was not recorded either: applied again, it is new.
    expect(await store.feedback.apply([item('good', ids.get('w@example.org')!, 'hard')], policy, later(2))).toEqual([expect.objectContaining({ applied: true, suppressed: true })]);
  });
});
