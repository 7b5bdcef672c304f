import { parseAddress } from '../../../src/subscribers/address';
import { collect, describeStores, testClock } from '../../helpers/stores';

/** The subscriber store's rules, through its interface only, on every store. */
const a = parseAddress;
const cli = { source: 'cli' as const };

describeStores('subscribers', (kit) => {
  test('add: a new address is added with its mailbox id and an event; a second add finds it, however it is capitalised', async () => {
    const clock = testClock('2026-01-05T10:00:00.000Z');
    const store = await kit.open({ now: clock });
    const added = await store.subscribers.add(a('Ana@Example.org'), 'Ana', { source: 'cli', note: 'met at the rally' });
    expect(added).toEqual({
      outcome: 'added',
      subscriber: { id: expect.any(Number), email: 'Ana@example.org', name: 'Ana', status: 'active', addedAt: '2026-01-05T10:00:00.000Z', updatedAt: '2026-01-05T10:00:00.000Z' },
    });
    const id = added.subscriber!.id;
    expect(await store.subscribers.add(a('ana@example.ORG'), 'Other', cli)).toEqual({ outcome: 'exists', subscriber: added.subscriber });
    expect(await store.subscribers.get(a('ANA@example.org'))).toEqual(added.subscriber);
    expect(await store.subscribers.findById(id)).toEqual(added.subscriber);
    expect(await store.subscribers.findById(id + 1000)).toBeUndefined();
    expect(await store.subscribers.findById(Number.NaN)).toBeUndefined();
    expect(await store.subscribers.findMailbox(id)).toEqual({ id, address: 'ana@example.org', subscriber: added.subscriber });
    expect(await store.subscribers.events(a('ana@example.org'))).toEqual([
      { address: 'ana@example.org', kind: 'added', source: 'cli', note: 'met at the rally', at: '2026-01-05T10:00:00.000Z' },
    ]);
  });

  test('one mailbox is one subscriber: NFC and case give one key', async () => {
    const store = await kit.open();
    const composed = 'jos\u00e9@example.org';
    const decomposed = 'JOSE\u0301@example.org';
    const first = await store.subscribers.add(a(composed), null, cli);
    expect(first.outcome).toBe('added');
    expect((await store.subscribers.add(a(decomposed), null, cli)).outcome).toBe('exists');
    expect((await store.subscribers.counts()).active).toBe(1);
  });

  test('add never undoes a suppression or an unsubscribe', async () => {
    const store = await kit.open();
    await store.subscribers.add(a('gone@example.org'), null, cli);
    const s = await store.subscribers.suppress(a('Gone@example.org'), 'unsubscribed', 'link');
    expect(s).toMatchObject({ added: true, subscriberUnsubscribed: true, suppression: { address: 'gone@example.org', reason: 'unsubscribed', detail: 'link' } });
    const again = await store.subscribers.add(a('gone@example.org'), null, cli);
    expect(again).toMatchObject({ outcome: 'suppressed', suppression: { reason: 'unsubscribed' }, subscriber: { status: 'unsubscribed' } });

    await store.subscribers.suppress(a('never@example.org'), 'bounced', 'hard bounce');
    const never = await store.subscribers.add(a('never@example.org'), null, cli);
    expect(never).toEqual({ outcome: 'suppressed', suppression: expect.objectContaining({ reason: 'bounced' }), subscriber: undefined });
    expect(await store.subscribers.get(a('never@example.org'))).toBeUndefined();
  });

  test('suppress: the first suppression is kept; the subscriber is marked unsubscribed once', async () => {
    const clock = testClock();
    const store = await kit.open({ now: clock });
    await store.subscribers.add(a('b@example.org'), null, cli);
    const first = await store.subscribers.suppress(a('b@example.org'), 'bounced', '550 no such user');
    clock.advance(60_000);
    const second = await store.subscribers.suppress(a('B@example.org'), 'unsubscribed');
    expect(first).toEqual({ added: true, subscriberUnsubscribed: true, suppression: { address: 'b@example.org', reason: 'bounced', at: '2026-01-05T10:00:00.000Z', detail: '550 no such user' } });
    expect(second).toEqual({ added: false, subscriberUnsubscribed: false, suppression: first.suppression });
    expect(await store.subscribers.suppression(a('b@example.org'))).toEqual(first.suppression);
    expect(await store.subscribers.suppression(a('nobody@example.org'))).toBeUndefined();
  });

  test.each([
    ['unsubscribed', false, 'resubscribed'],
    ['manual', false, 'resubscribed'],
    ['bounced', false, 'refused'],
    ['complained', false, 'refused'],
    ['bounced', true, 'resubscribed'],
    ['complained', true, 'resubscribed'],
  ] as const)('resubscribe after %s (force %s): %s', async (reason, force, outcome) => {
    const clock = testClock();
    const store = await kit.open({ now: clock });
    await store.subscribers.add(a('c@example.org'), 'Cleo', cli);
    await store.subscribers.suppress(a('c@example.org'), reason, 'why');
    clock.advance(1000);
    const r = await store.subscribers.resubscribe(a('C@example.org'), { source: 'cli', force, note: 'asked by phone' });
    expect(r.outcome).toBe(outcome);
    if (r.outcome === 'refused') {
      expect(r.suppression).toMatchObject({ reason });
      expect(await store.subscribers.suppression(a('c@example.org'))).toMatchObject({ reason });
      expect((await store.subscribers.get(a('c@example.org')))!.status).toBe('unsubscribed');
      expect((await store.subscribers.events(a('c@example.org'))).map((e) => e.kind)).toEqual(['added']);
    } else {
      expect(r).toMatchObject({ outcome: 'resubscribed', lifted: { reason }, subscriber: { status: 'active', name: 'Cleo', updatedAt: '2026-01-05T10:00:01.000Z' } });
      expect(await store.subscribers.suppression(a('c@example.org'))).toBeUndefined();
      expect((await store.subscribers.events(a('c@example.org'))).at(-1)).toEqual({
        address: 'c@example.org',
        kind: 'resubscribed',
        source: 'cli',
        note: `lifted ${reason} suppression of 2026-01-05T10:00:00.000Z; asked by phone`,
        at: '2026-01-05T10:00:01.000Z',
      });
    }
  });

  test('resubscribe: liftable reasons are the caller\'s; an active subscriber is already active; a person without a row gets one under their old id', async () => {
    const store = await kit.open();
    await store.subscribers.add(a('d@example.org'), null, cli);
    await store.subscribers.suppress(a('d@example.org'), 'manual');
    expect((await store.subscribers.resubscribe(a('d@example.org'), { source: 'unsubscribe page', liftable: ['unsubscribed'] })).outcome).toBe('refused');

    await store.subscribers.add(a('e@example.org'), null, cli);
    expect(await store.subscribers.resubscribe(a('e@example.org'), { source: 'cli' })).toMatchObject({ outcome: 'already-active', subscriber: { email: 'e@example.org' } });

    const f = await store.subscribers.add(a('f@example.org'), null, cli);
    await store.subscribers.suppress(a('f@example.org'), 'unsubscribed');
    expect(await store.subscribers.remove(a('f@example.org'))).toBe(true);
    const back = await store.subscribers.resubscribe(a('F@example.org'), { source: 'unsubscribe page', name: 'Fay' });
    expect(back).toMatchObject({ outcome: 'resubscribed', subscriber: { id: f.subscriber!.id, email: 'F@example.org', name: 'Fay', status: 'active' } });
  });

  test('remove deletes the subscriber, not the suppression; the mailbox id survives and comes back on re-adding', async () => {
    const store = await kit.open();
    const first = await store.subscribers.add(a('g@example.org'), null, cli);
    const other = await store.subscribers.add(a('h@example.org'), null, cli);
    const id = first.subscriber!.id;
    expect(await store.subscribers.remove(a('G@example.org'))).toBe(true);
    expect(await store.subscribers.remove(a('g@example.org'))).toBe(false);
    expect(await store.subscribers.get(a('g@example.org'))).toBeUndefined();
    expect(await store.subscribers.findById(id)).toBeUndefined();
    expect(await store.subscribers.findMailbox(id)).toEqual({ id, address: 'g@example.org' });
    expect(await store.subscribers.findMailbox(999_999)).toBeUndefined();
    const again = await store.subscribers.add(a('g@example.org'), null, cli);
    expect(again.subscriber!.id).toBe(id);
    // A new address never gets an id used before.
    const next = await store.subscribers.add(a('i@example.org'), null, cli);
    expect(next.subscriber!.id).toBeGreaterThan(Math.max(id, other.subscriber!.id));

    await store.subscribers.suppress(a('h@example.org'), 'unsubscribed');
    await store.subscribers.remove(a('h@example.org'));
    expect(await store.subscribers.suppression(a('h@example.org'))).toMatchObject({ reason: 'unsubscribed' });
    expect((await store.subscribers.add(a('h@example.org'), null, cli)).outcome).toBe('suppressed');
  });

  test('counts: active, unsubscribed, and suppressions (including addresses never subscribed) by reason', async () => {
    const store = await kit.open();
    for (const x of ['1', '2', '3', '4']) await store.subscribers.add(a(`${x}@example.org`), null, cli);
    await store.subscribers.suppress(a('1@example.org'), 'bounced');
    await store.subscribers.suppress(a('2@example.org'), 'complained');
    await store.subscribers.suppress(a('outsider@example.org'), 'bounced');
    await store.subscribers.suppress(a('other@example.org'), 'manual');
    expect(await store.subscribers.counts()).toEqual({ active: 2, unsubscribed: 2, suppressed: 4, bounced: 2, complained: 1 });
    expect(await store.audienceSize()).toBe(2);
  });

  test('list streams every subscriber in address order across many pages, with status and suppression filters', async () => {
    const store = await kit.open();
    const n = 2345;
    const imp = await store.subscribers.beginImport();
    // Inserted out of order, in mixed case: listed by key, spelled as given.
    for (let i = n - 1; i >= 0; i--) await imp.subscribe(a(`M${String(i).padStart(5, '0')}@example.org`), null);
    await imp.commit();
    await store.subscribers.suppress(a('m00007@example.org'), 'bounced');
    await store.subscribers.suppress(a('m01500@example.org'), 'complained');
    await store.subscribers.suppress(a('m02000@example.org'), 'bounced');

    const all = await collect(store.subscribers.list());
    expect(all).toHaveLength(n);
    expect(all.map((s) => s.email)).toEqual(Array.from({ length: n }, (_, i) => `M${String(i).padStart(5, '0')}@example.org`));
    expect((await collect(store.subscribers.list({ status: 'active' }))).length).toBe(n - 3);
    expect((await collect(store.subscribers.list({ status: 'unsubscribed' }))).map((s) => s.email)).toEqual(['M00007@example.org', 'M01500@example.org', 'M02000@example.org']);
    expect((await collect(store.subscribers.list({ suppression: 'bounced' }))).map((s) => s.email)).toEqual(['M00007@example.org', 'M02000@example.org']);
    expect(await collect(store.subscribers.list({ status: 'active', suppression: 'bounced' }))).toEqual([]);

    // Stopping early is fine and leaves the store usable.
    let seen = 0;
    for await (const s of store.subscribers.list()) {
      expect(s.status).toBeDefined();
      if (++seen === 1500) break;
    }
    expect(await store.subscribers.counts()).toMatchObject({ active: n - 3 });
  });

  test('list orders by the address key byte by byte, as SQLite does, whatever the database\'s locale', async () => {
    const store = await kit.open();
    const emails = ['a-b@example.org', 'a.b@example.org', 'a_b@example.org', 'ab@example.org', 'a+b@example.org', 'Zed@example.org', 'zed2@example.org', '\u00e9mile@example.org'];
    for (const e of emails) await store.subscribers.add(a(e), null, cli);
    const keys = (await collect(store.subscribers.list())).map((s) => s.email.toLowerCase().normalize('NFC'));
    expect(keys).toEqual([...keys].sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y)))));
    expect(keys[0]).toBe('a+b@example.org');
  });

  test('signups: recorded with the address key and a count of recent requests; expired unconfirmed ones are dropped', async () => {
    const clock = testClock('2026-01-05T10:00:00.000Z');
    const store = await kit.open({ now: clock });
    const since = new Date('2026-01-05T09:00:00.000Z');
    const first = await store.subscribers.requestSignup(a('Sam@Example.org'), 'Sam', since);
    expect(first).toEqual({ signup: { id: expect.any(Number), address: 'sam@example.org', email: 'Sam@example.org', name: 'Sam', requestedAt: '2026-01-05T10:00:00.000Z', confirmedAt: null }, recent: 1 });
    clock.advance(60_000);
    const second = await store.subscribers.requestSignup(a('sam@example.org'), null, since);
    expect(second.recent).toBe(2);
    expect(await store.subscribers.findSignup(first.signup.id)).toEqual(first.signup);
    expect(await store.subscribers.findSignup(987654)).toBeUndefined();
    // 31 days later, an unconfirmed signup is gone when the next one is made.
    clock.advance(31 * 24 * 3600_000);
    await store.subscribers.requestSignup(a('other@example.org'), null, since);
    expect(await store.subscribers.findSignup(first.signup.id)).toBeUndefined();
  });

  test('confirmSignup: consent recorded once; a second press changes nothing; after leaving, the old link is used', async () => {
    const clock = testClock('2026-01-05T10:00:00.000Z');
    const store = await kit.open({ now: clock });
    const { signup } = await store.subscribers.requestSignup(a('Tia@example.org'), 'Tia', clock());
    clock.advance(5000);
    const confirmed = await store.subscribers.confirmSignup(signup.id);
    expect(confirmed).toEqual({ subscriber: expect.objectContaining({ email: 'Tia@example.org', name: 'Tia', status: 'active', addedAt: '2026-01-05T10:00:05.000Z' }), resubscribed: false });
    expect((await store.subscribers.findSignup(signup.id))!.confirmedAt).toBe('2026-01-05T10:00:05.000Z');
    expect(await store.subscribers.events(a('tia@example.org'))).toEqual([{ address: 'tia@example.org', kind: 'consent', source: 'form', note: 'confirmed signup', at: '2026-01-05T10:00:05.000Z' }]);
    expect(await store.subscribers.confirmSignup(signup.id)).toEqual({ subscriber: (confirmed as { subscriber: unknown }).subscriber, resubscribed: false });
    await store.subscribers.suppress(a('tia@example.org'), 'unsubscribed');
    expect(await store.subscribers.confirmSignup(signup.id)).toBe('used');
    expect(await store.subscribers.confirmSignup(424242)).toBeUndefined();
  });

  test('confirmSignup lifts an unsubscribe or a bounce (they proved they want it), never a manual suppression', async () => {
    const store = await kit.open();
    await store.subscribers.add(a('u@example.org'), 'Uma', cli);
    await store.subscribers.suppress(a('u@example.org'), 'bounced', 'old mailbox full');
    const { signup } = await store.subscribers.requestSignup(a('u@example.org'), 'Someone Else', new Date(0));
    const r = await store.subscribers.confirmSignup(signup.id);
    expect(r).toEqual({ subscriber: expect.objectContaining({ status: 'active', name: 'Uma' }), resubscribed: true });
    expect(await store.subscribers.suppression(a('u@example.org'))).toBeUndefined();
    expect((await store.subscribers.events(a('u@example.org'))).at(-1)).toMatchObject({ kind: 'resubscribed', source: 'form', note: expect.stringMatching(/^confirmed signup; lifted bounced suppression of /) });

    await store.subscribers.suppress(a('v@example.org'), 'manual', 'asked us by letter');
    const { signup: s2 } = await store.subscribers.requestSignup(a('v@example.org'), null, new Date(0));
    expect(await store.subscribers.confirmSignup(s2.id)).toBe('used');
    expect(await store.subscribers.suppression(a('v@example.org'))).toMatchObject({ reason: 'manual' });
    expect(await store.subscribers.get(a('v@example.org'))).toBeUndefined();
  });

  test('the audience: active subscribers minus suppressions, in id order', async () => {
    const store = await kit.open();
    for (const x of ['p', 'q', 'r', 's']) await store.subscribers.add(a(`${x}@example.org`), null, cli);
    await store.subscribers.suppress(a('q@example.org'), 'complained');
    expect(await store.audienceSize()).toBe(3);
    expect(await store.audience(2)).toEqual(['p@example.org', 'r@example.org']);
    expect(await store.audience(10)).toEqual(['p@example.org', 'r@example.org', 's@example.org']);
  });

  test('two connections adding, suppressing and confirming one address at once: one subscriber, one suppression, no error', async () => {
    const where = await kit.fresh();
    const one = await kit.openAt(where);
    const two = await kit.openAt(where);
    const added = await Promise.all([one.subscribers.add(a('race@example.org'), null, cli), two.subscribers.add(a('RACE@example.org'), null, cli)]);
    expect(added.map((r) => r.outcome).sort()).toEqual(['added', 'exists']);
    expect(added[0]!.subscriber!.id).toBe(added[1]!.subscriber!.id);
    const suppressed = await Promise.all([one.subscribers.suppress(a('race@example.org'), 'unsubscribed'), two.subscribers.suppress(a('race@example.org'), 'bounced')]);
    expect(suppressed.map((r) => r.added).sort()).toEqual([false, true]);
    expect(await one.subscribers.counts()).toMatchObject({ active: 0, unsubscribed: 1, suppressed: 1 });
    const { signup } = await one.subscribers.requestSignup(a('pair@example.org'), null, new Date(0));
    const confirmed = await Promise.all([one.subscribers.confirmSignup(signup.id), two.subscribers.confirmSignup(signup.id)]);
    expect(confirmed.map((c) => (typeof c === 'object' ? c.subscriber.email : c))).toEqual(['pair@example.org', 'pair@example.org']);
    expect((await one.subscribers.events(a('pair@example.org'))).map((e) => e.kind)).toEqual(['consent']);
  });

  test('reads from a second connection see what the first committed', async () => {
    const where = await kit.fresh();
    const one = await kit.openAt(where);
    const two = await kit.openAt(where);
    await one.subscribers.add(a('shared@example.org'), null, cli);
    expect(await two.subscribers.get(a('shared@example.org'))).toMatchObject({ email: 'shared@example.org' });
    await two.subscribers.suppress(a('shared@example.org'), 'unsubscribed');
    expect(await one.subscribers.counts()).toMatchObject({ active: 0, unsubscribed: 1, suppressed: 1 });
  });
});
