import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canRecordFeedback, decide, FEEDBACK_TRANSITIONS, type DeliveryFeedback } from '../../src/bounces/feedback';
import { readVerp, verpAddress } from '../../src/bounces/verp';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite';
import { checkAddress, type Address } from '../../src/subscribers/address';
import { testEdition } from '../helpers/edition';

const policy = { limit: 3, windowDays: 30 };

describe('decide: what one report does to its delivery and address', () => {
  it.each([
    // kind, current feedback, soft bounces before, → feedback, suppress
    ['hard', null, 0, 'bounced', 'bounced'],
    ['hard', 'soft_bounced', 2, 'bounced', 'bounced'],
    ['hard', 'complained', 0, undefined, 'bounced'],
    ['complaint', null, 0, 'complained', 'complained'],
    ['complaint', 'bounced', 0, 'complained', 'complained'],
    ['soft', null, 0, 'soft_bounced', undefined],
    ['soft', null, 1, 'soft_bounced', undefined],
    ['soft', null, 2, 'soft_bounced', 'bounced'],
    // the same delivery soft-bouncing twice (a warning, then the failure) counts once
    ['soft', 'soft_bounced', 1, undefined, undefined],
    ['soft', 'soft_bounced', 2, undefined, 'bounced'],
    ['soft', 'bounced', 0, undefined, undefined],
    ['refused', null, 5, undefined, undefined],
    ['delayed', null, 5, undefined, undefined],
    ['ignored', null, 5, undefined, undefined],
  ] as const)('%s on %s after %i soft → %s, suppress %s', (kind, current, soft, feedback, suppress) => {
    const d = decide(kind, current, soft, policy);
    expect(d.feedback).toBe(feedback);
    expect(d.suppress).toBe(suppress);
  });

  it('moves feedback only forward: sent → soft_bounced → bounced → complained', () => {
    const order: (DeliveryFeedback | null)[] = [null, 'soft_bounced', 'bounced', 'complained'];
    for (const [i, from] of order.entries()) {
      for (const [j, to] of order.entries()) {
        if (to === null) continue;
        expect([from, to, canRecordFeedback(from, to)]).toEqual([from, to, j > i]);
      }
    }
    expect(FEEDBACK_TRANSITIONS.complained).toEqual([]);
  });
});

describe('VERP return paths', () => {
  const keys = [{ id: 'k2', secret: 'new-secret-new-secret-new' }, { id: 'k1', secret: 'old-secret-old-secret-old' }];

  it('names the delivery and verifies its signature, with any listed key, whatever the case', () => {
    const address = verpAddress('bounces@example.org', 4711, keys);
    expect(address).toMatch(/^bounces\+4711-[0-9a-f]{16}@example\.org$/);
    expect(readVerp(address, 'bounces@example.org', keys)).toEqual({ deliveryId: 4711 });
    expect(readVerp(address.toUpperCase(), 'bounces@example.org', keys)).toEqual({ deliveryId: 4711 });
    expect(readVerp(`<${address}>`, 'bounces@example.org', keys)).toEqual({ deliveryId: 4711 });
    const old = verpAddress('bounces@example.org', 4711, keys.slice(1));
    expect(readVerp(old, 'bounces@example.org', keys)).toEqual({ deliveryId: 4711 });
  });

  it.each([
    ['bounces+4712-' + '0'.repeat(16) + '@example.org', 'forged'],
    ['bounces+4711@example.org', 'forged'],
    ['bounces+4711-abc@example.org', 'forged'],
    ['bounces@example.org', 'not ours'],
    ['news@example.org', 'not ours'],
    ['bounces+4711-0123456789abcdef@elsewhere.example', 'not ours'],
  ])('%s is %s', (address, what) => {
    const r = readVerp(address, 'bounces@example.org', keys);
    if (what === 'forged') expect(r).toEqual({ forged: address });
    else expect(r).toBeUndefined();
  });

  it('a signature for one delivery does not pass for another', () => {
    const a = verpAddress('bounces@example.org', 1, keys);
    const moved = a.replace('bounces+1-', 'bounces+2-');
    expect(readVerp(moved, 'bounces@example.org', keys)).toEqual({ forged: moved });
  });
});

describe('soft bounces on a real store', () => {
  let store: SqliteStore;
  const addr = (a: string) => (checkAddress(a) as { address: Address }).address;

  beforeEach(async () => {
    store = openSqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-')), 'db.sqlite'));
    const imp = await store.subscribers.beginImport();
    await imp.subscribe(addr('full@example.net'), null);
    await imp.subscribe(addr('ok@example.net'), null);
    await imp.commit();
  });
  afterEach(() => store.close());

  /** A send of `slug` made `daysAgo` days before `now`, delivered to everyone. */
  async function sendAt(slug: string, at: Date): Promise<Map<string, number>> {
    const { send } = await store.ledger.beginSend({ slug, edition: testEdition(), now: at });
    await store.ledger.acquireLease(send.id, 'test', at, at);
    const claimed = await store.ledger.claim(send.id, 10, at, 'test');
    await store.ledger.record(claimed.map((c) => ({ id: c.id, outcome: { to: 'sent' as const, reply: '250 ok', messageId: `<${slug}.${c.id}@example.org>` } })), at);
    return new Map(claimed.map((c) => [c.address, c.id]));
  }

  it('suppresses after soft_bounce_limit soft-bounced deliveries within the window, not before, and not for older ones', async () => {
    const now = new Date('2021-04-30T12:00:00Z');
    const day = 24 * 3600 * 1000;
    const sends = [
      await sendAt('2021-03-01', new Date(now.getTime() - 60 * day)),
      await sendAt('2021-04-12', new Date(now.getTime() - 18 * day)),
      await sendAt('2021-04-19', new Date(now.getTime() - 11 * day)),
      await sendAt('2021-04-26', new Date(now.getTime() - 4 * day)),
    ];
    const soft = (i: number) =>
      store.feedback.apply([{ key: `r${i}`, source: 'mail', kind: 'soft', deliveryId: sends[i]!.get('full@example.net')!, status: '4.2.2', detail: 'mailbox full' }], policy, now);
    expect((await soft(0))[0]).toMatchObject({ applied: true, suppressed: false, note: 'soft bounce 1 of 3 in 30 days' });
    expect((await soft(1))[0]).toMatchObject({ applied: true, suppressed: false, note: 'soft bounce 1 of 3 in 30 days' });
    expect((await soft(2))[0]).toMatchObject({ applied: true, suppressed: false, note: 'soft bounce 2 of 3 in 30 days' });
    expect(await store.subscribers.suppression(addr('full@example.net'))).toBeUndefined();
    expect((await soft(3))[0]).toMatchObject({ applied: true, suppressed: true, note: 'soft bounce 3 of 3 in 30 days: suppressed' });
    expect(await store.subscribers.suppression(addr('full@example.net'))).toMatchObject({ reason: 'bounced' });
    expect((await store.subscribers.get(addr('full@example.net')))?.status).toBe('unsubscribed');
    expect((await soft(3))[0]).toEqual({ applied: false, duplicate: true, address: 'full@example.net' });
    expect(await store.subscribers.suppression(addr('ok@example.net'))).toBeUndefined();
  });

  it('counts bounces and complaints per edition: a correction\'s deliveries under their own edition', async () => {
    const at = new Date('2021-04-26T12:00:00Z');
    const { send, edition: first } = await store.ledger.beginSend({ slug: '2021-04-26', edition: testEdition(), now: at });
    const [early] = await store.ledger.claim(send.id, 1, at);
    await store.ledger.record([{ id: early!.id, outcome: { to: 'sent', reply: '250 ok', messageId: '<a@example.org>' } }], at);
    const { edition: second } = await store.ledger.correct(send.id, testEdition({ subject: 'This week (corrected)' }), at);
    const [late] = await store.ledger.claim(send.id, 1, at);
    await store.ledger.record([{ id: late!.id, outcome: { to: 'sent', reply: '250 ok', messageId: '<b@example.org>' } }], at);
    await store.feedback.apply([{ key: 'x', source: 'mail', kind: 'hard', deliveryId: early!.id, detail: '5.1.1' }], policy, at);
    await store.feedback.apply([{ key: 'y', source: 'mail', kind: 'complaint', deliveryId: late!.id, detail: 'abuse' }], policy, at);
    expect(await store.feedback.countsByEdition(send.id)).toEqual(
      new Map([
        [first.id, { bounced: 1, softBounced: 0, complained: 0 }],
        [second.id, { bounced: 0, softBounced: 0, complained: 1 }],
      ]),
    );
  });

  it('applies a report all or nothing: a failing item undoes the others', async () => {
    const now = new Date('2021-04-30T12:00:00Z');
    const ids = await sendAt('2021-04-26', now);
    await expect(
      store.feedback.apply(
        [
          { key: 'a', source: 'mail', kind: 'hard', deliveryId: ids.get('ok@example.net')!, detail: '5.1.1' },
          { key: 'b', source: 'mail', kind: 'hard', deliveryId: 999999, detail: '5.1.1' },
        ],
        policy,
        now,
      ),
    ).rejects.toThrow('delivery 999999 does not exist');
    expect(await store.subscribers.suppression(addr('ok@example.net'))).toBeUndefined();
    expect(await store.feedback.counts((await store.ledger.findSend('2021-04-26'))!.id)).toEqual({ bounced: 0, softBounced: 0, complained: 0 });
  });
});
