import { draftSlug } from '../../../src/publish/draft';
import type { Outcome } from '../../../src/send/ledger';
import type { Store } from '../../../src/store/types';
import { parseAddress } from '../../../src/subscribers/address';
import { testEdition } from '../../helpers/edition';
import { collect, describeStores } from '../../helpers/stores';

/** Editions and the audience a send freezes, through the interfaces only, on every store. */
const a = parseAddress;
const t0 = new Date('2026-01-05T10:00:00.000Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const OWNER = 'conformance';

async function withSubscribers(store: Store, addresses: string[]): Promise<void> {
  const imp = await store.subscribers.beginImport();
  for (const x of addresses) await imp.subscribe(a(x), null);
  await imp.commit();
}

/** Claims as the runner does: under the send's lease. */
async function claim(store: Store, sendId: number, limit: number, now = t0) {
  await store.ledger.acquireLease(sendId, OWNER, new Date(now.getTime() + 60_000), now);
  return store.ledger.claim(sendId, limit, now, OWNER);
}

/** Hands the claimed deliveries over and records their outcomes, as the runner does. */
async function finish(store: Store, sendId: number, ids: number[], outcome: (id: number) => Outcome, now = t0): Promise<void> {
  await store.ledger.commit({ sendId, owner: OWNER, outcomes: [], handedOver: ids, now });
  await store.ledger.commit({ sendId, owner: OWNER, outcomes: ids.map((id) => ({ id, outcome: outcome(id) })), handedOver: [], now });
}

const sent = (id: number): Outcome => ({ to: 'sent', reply: '250 2.0.0 Ok', messageId: `<m${id}@example.org>` });

describeStores('editions and the audience', (kit) => {
  test('a send freezes its audience (active minus suppressed) with edition 1; who joins later is not in it', async () => {
    const store = await kit.open();
    await withSubscribers(store, ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org']);
    await store.subscribers.suppress(a('b@example.org'), 'bounced');
    await store.subscribers.suppress(a('d@example.org'), 'unsubscribed');
    expect(await store.audienceSize()).toBe(2);

    const { send, created, edition } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
    expect(created).toBe(true);
    expect(send).toMatchObject({ slug: '2021-03-22', subject: 'This week', state: 'sending', createdAt: t0.toISOString(), finishedAt: null });
    expect(edition).toMatchObject({ number: 1, sendId: send.id, slug: '2021-03-22', subject: 'This week', title: 'Week of March 22, 2021', preheader: null, engine: 'react', createdAt: t0.toISOString(), viewAt: '2021-03-21T12:00:00.000Z' });
    expect(edition.assetPaths).toEqual(['events.ics', 'events/rally.ics', 'web.html']);
    expect(await store.ledger.counts(send.id)).toMatchObject({ pending: 2, sending: 0, sent: 0 });

    await store.subscribers.add(a('late@example.org'), null, { source: 'cli' });
    const again = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition({ subject: 'Other' }), now: later(1) });
    expect(again.created).toBe(false);
    expect(again.edition.id).toBe(edition.id);
    expect(again.send).toEqual(send);
    const claimed = await claim(store, send.id, 10);
    expect(claimed.map((c) => c.address).sort()).toEqual(['a@example.org', 'c@example.org']);
    expect(claimed.every((c) => c.editionId === edition.id)).toBe(true);
  });

  test('an address suppressed or removed after the audience was frozen is skipped, not mailed', async () => {
    const store = await kit.open();
    await withSubscribers(store, ['keep@example.org', 'quit@example.org', 'gone@example.org']);
    const { send } = await store.ledger.beginSend({ slug: 's', edition: testEdition(), now: t0 });
    await store.subscribers.suppress(a('quit@example.org'), 'unsubscribed');
    await store.subscribers.remove(a('gone@example.org'));
    const claimed = await claim(store, send.id, 10);
    expect(claimed.map((c) => c.address)).toEqual(['keep@example.org']);
    expect(await store.ledger.counts(send.id)).toMatchObject({ sending: 1, skipped: 2, pending: 0 });
  });

  test('a correction is the next edition: only deliveries not yet handed over move to it; history counts each', async () => {
    const store = await kit.open();
    await withSubscribers(store, ['a@example.org', 'b@example.org', 'c@example.org']);
    const { send, edition: first } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
    const [x] = await claim(store, send.id, 1);
    await finish(store, send.id, [x!.id], sent);
    const [inFlight] = await claim(store, send.id, 1);
    const { edition: second, moved } = await store.ledger.correct(send.id, testEdition({ subject: 'This week (corrected)', assets: [] }), later(5));
    expect(second).toMatchObject({ number: 2, sendId: send.id, subject: 'This week (corrected)', assetPaths: [], createdAt: later(5).toISOString() });
    expect(moved).toBe(1);
    expect(await store.editions.current('2021-03-22')).toEqual(second);
    expect(await store.editions.byId(first.id)).toEqual(first);
    await finish(store, send.id, [inFlight!.id], sent);
    expect(inFlight!.editionId).toBe(first.id);
    const [last] = await claim(store, send.id, 5);
    expect(last!.editionId).toBe(second.id);
    await finish(store, send.id, [last!.id], sent);

    const history = await store.editions.history('2021-03-22');
    expect(history.map((h) => [h.edition.number, h.counts.sent, h.counts.pending])).toEqual([
      [1, 2, 0],
      [2, 1, 0],
    ]);
    expect(history[0]!.counts).toEqual({ pending: 0, sending: 0, sent: 2, failed: 0, unknown: 0, skipped: 0 });
    expect(await store.editions.history('never-sent')).toEqual([]);
    expect(await store.editions.current('never-sent')).toBeUndefined();
  });

  test('assets keep their bytes and content type; only plain relative paths are stored or read', async () => {
    const store = await kit.open();
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x00, 0x7f]);
    const content = testEdition({
      assets: [
        { path: 'web.html', contentType: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><p>Grüße, ½ — ✓</p>') },
        { path: 'images/flyer.png', contentType: 'image/png', body: binary },
        { path: 'empty.txt', contentType: 'text/plain', body: Buffer.alloc(0) },
      ],
    });
    const { edition } = await store.ledger.beginSend({ slug: 'assets', edition: content, now: t0 });
    expect(edition.assetPaths).toEqual(['empty.txt', 'images/flyer.png', 'web.html']);
    expect(await store.editions.asset(edition.id, 'images/flyer.png')).toEqual({ path: 'images/flyer.png', contentType: 'image/png', body: binary });
    expect((await store.editions.asset(edition.id, 'web.html'))!.body.toString('utf8')).toBe('<!doctype html><p>Grüße, ½ — ✓</p>');
    expect((await store.editions.asset(edition.id, 'empty.txt'))!.body.length).toBe(0);
    expect(await store.editions.asset(edition.id, 'nothing.html')).toBeUndefined();
    expect(await store.editions.asset(edition.id, '../web.html')).toBeUndefined();
    expect(await store.editions.asset(edition.id, '/web.html')).toBeUndefined();
    expect(await store.editions.asset(edition.id + 1000, 'web.html')).toBeUndefined();
    expect(await store.editions.byId(edition.id + 1000)).toBeUndefined();

    const send = (await store.ledger.findSend('assets'))!;
    await expect(store.ledger.correct(send.id, testEdition({ assets: [{ path: 'a/../b', contentType: 't', body: Buffer.from('x') }] }), later(1))).rejects.toThrow('is not a plain relative path');
    const twice = { path: 'web.html', contentType: 'text/html', body: Buffer.from('x') };
    await expect(store.ledger.correct(send.id, testEdition({ assets: [twice, twice] }), later(1))).rejects.toThrow('edition asset web.html is given twice');
    // Nothing of a refused correction was kept.
    expect((await store.editions.history('assets')).map((h) => h.edition.number)).toEqual([1]);
  });

  test('published: the current edition of each started send, newest first, never a draft (regression: a newer draft took a place of the limit, so the feed lost an issue)', async () => {
    const store = await kit.open();
    await store.ledger.beginSend({ slug: '2021-03-15', edition: testEdition({ subject: 'Older' }), now: t0 });
    const { send: newer } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition({ subject: 'Newer' }), now: later(60) });
    const { edition: fixed } = await store.ledger.correct(newer.id, testEdition({ subject: 'Newer (corrected)' }), later(70));
    const draft = draftSlug('2021-03-29');
    const saved = await store.editions.saveDraft(draft, testEdition({ subject: 'Draft' }), later(80));

    const published = await store.editions.published();
    expect(published.map((p) => [p.slug, p.sentAt, p.edition.subject])).toEqual([
      ['2021-03-22', later(60).toISOString(), 'Newer (corrected)'],
      ['2021-03-15', t0.toISOString(), 'Older'],
    ]);
    expect(published[0]!.edition).toEqual(fixed);
    expect((await store.editions.published({ limit: 1 })).map((p) => p.slug)).toEqual(['2021-03-22']);

    expect(saved).toMatchObject({ slug: draft, number: 1, subject: 'Draft', createdAt: later(80).toISOString() });
    expect(await store.editions.current(draft)).toEqual(saved);
    expect(await store.editions.asset(saved.id, 'web.html')).toMatchObject({ contentType: 'text/html; charset=utf-8' });
    await expect(store.editions.saveDraft('2021-03-29', testEdition(), later(90))).rejects.toThrow("2021-03-29 is not a draft's name");
  });

  test('a send started on one connection is read from another (the web server and the sender share a store)', async () => {
    const where = await kit.fresh();
    const sender = await kit.openAt(where);
    const web = await kit.openAt(where);
    await withSubscribers(sender, ['a@example.org']);
    const { edition } = await sender.ledger.beginSend({ slug: 'shared', edition: testEdition(), now: t0 });
    expect(await web.editions.current('shared')).toEqual(edition);
    expect((await web.editions.published()).map((p) => p.slug)).toEqual(['shared']);
    expect((await collect(web.subscribers.list())).map((s) => s.email)).toEqual(['a@example.org']);
  });
});
