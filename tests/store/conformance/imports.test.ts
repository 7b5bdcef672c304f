import { parseAddress } from '../../../src/subscribers/address';
import { collect, describeStores, testClock } from '../../helpers/stores';

/** Imports: one outcome per row, all or nothing, through the interface only, on every store. */
const a = parseAddress;
const cli = { source: 'cli' as const };

describeStores('imports', (kit) => {
  test('each row has exactly one outcome: added, updated, unchanged, suppressed, duplicate', async () => {
    const clock = testClock('2026-01-05T10:00:00.000Z');
    const store = await kit.open({ now: clock });
    await store.subscribers.add(a('named@example.org'), 'Old Name', cli);
    await store.subscribers.add(a('same@example.org'), 'Same', cli);
    await store.subscribers.add(a('left@example.org'), null, cli);
    await store.subscribers.suppress(a('left@example.org'), 'unsubscribed');
    await store.subscribers.suppress(a('bounced@example.org'), 'bounced');
    clock.advance(60_000);

    const imp = await store.subscribers.beginImport();
    const outcomes = [
      await imp.subscribe(a('new@example.org'), null),
      await imp.subscribe(a('Named@example.org'), 'New Name'),
      await imp.subscribe(a('same@example.org'), 'Same'),
      await imp.subscribe(a('same@example.org'), null),
      await imp.subscribe(a('left@example.org'), 'Back Again'),
      await imp.subscribe(a('bounced@example.org'), null),
      await imp.subscribe(a('NEW@example.org'), 'Filled Later'),
      await imp.subscribe(a('new@example.org'), 'Not This One'),
      await imp.suppress(a('quit@example.org'), 'unsubscribed', 'row 9: status unsubscribed'),
      await imp.subscribe(a('quit@example.org'), null),
    ];
    await imp.commit();
    expect(outcomes).toEqual(['added', 'updated', 'unchanged', 'duplicate', 'suppressed', 'suppressed', 'duplicate', 'duplicate', 'suppressed', 'duplicate']);

    expect(await store.subscribers.get(a('new@example.org'))).toMatchObject({ email: 'new@example.org', name: 'Filled Later', status: 'active', addedAt: '2026-01-05T10:01:00.000Z' });
    expect(await store.subscribers.get(a('named@example.org'))).toMatchObject({ name: 'New Name', updatedAt: '2026-01-05T10:01:00.000Z' });
    expect(await store.subscribers.get(a('same@example.org'))).toMatchObject({ name: 'Same', updatedAt: '2026-01-05T10:00:00.000Z' });
    expect(await store.subscribers.get(a('left@example.org'))).toMatchObject({ name: null, status: 'unsubscribed' });
    expect(await store.subscribers.get(a('bounced@example.org'))).toBeUndefined();
    expect(await store.subscribers.suppression(a('quit@example.org'))).toEqual({ address: 'quit@example.org', reason: 'unsubscribed', at: '2026-01-05T10:01:00.000Z', detail: 'row 9: status unsubscribed' });
    expect(await store.subscribers.counts()).toEqual({ active: 3, unsubscribed: 1, suppressed: 3, bounced: 1, complained: 0 });
  });

  test('an empty name never erases a name; a suppress row marks an existing subscriber unsubscribed', async () => {
    const store = await kit.open();
    await store.subscribers.add(a('keep@example.org'), 'Kept', cli);
    await store.subscribers.add(a('going@example.org'), null, cli);
    const imp = await store.subscribers.beginImport();
    expect(await imp.subscribe(a('keep@example.org'), null)).toBe('unchanged');
    expect(await imp.suppress(a('going@example.org'), 'complained', 'row 3')).toBe('suppressed');
    await imp.commit();
    expect((await store.subscribers.get(a('keep@example.org')))!.name).toBe('Kept');
    expect(await store.subscribers.get(a('going@example.org'))).toMatchObject({ status: 'unsubscribed' });
    expect(await store.subscribers.suppression(a('going@example.org'))).toMatchObject({ reason: 'complained', detail: 'row 3' });
  });

  test('rollback leaves the store exactly as it was; so does closing the store with the import open', async () => {
    const where = await kit.fresh();
    const store = await kit.openAt(where);
    await store.subscribers.add(a('before@example.org'), 'Before', cli);
    const before = await collect(store.subscribers.list());

    const imp = await store.subscribers.beginImport();
    await imp.subscribe(a('x@example.org'), null);
    await imp.subscribe(a('before@example.org'), 'Renamed');
    await imp.suppress(a('before@example.org'), 'unsubscribed', 'row 3');
    await imp.rollback();
    await imp.rollback(); // twice is fine
    expect(await collect(store.subscribers.list())).toEqual(before);
    expect(await store.subscribers.suppression(a('before@example.org'))).toBeUndefined();
    expect(await store.subscribers.counts()).toEqual({ active: 1, unsubscribed: 0, suppressed: 0, bounced: 0, complained: 0 });

    const open = await store.subscribers.beginImport();
    await open.subscribe(a('y@example.org'), null);
    await store.close();
    const again = await kit.openAt(where);
    expect(await collect(again.subscribers.list())).toEqual(before);
    // The import that was open needs no commit, and its rollback after the close is harmless.
    await open.rollback();
  });

  test('commit makes every row visible at once; until then another connection sees the store as it was', async () => {
    const where = await kit.fresh();
    const writer = await kit.openAt(where);
    const reader = await kit.openAt(where);
    const imp = await writer.subscribers.beginImport();
    for (let i = 0; i < 50; i++) await imp.subscribe(a(`r${i}@example.org`), null);
    expect(await reader.subscribers.counts()).toMatchObject({ active: 0 });
    expect(await reader.subscribers.get(a('r1@example.org'))).toBeUndefined();
    await imp.commit();
    expect(await reader.subscribers.counts()).toMatchObject({ active: 50 });
  });

  test('one import at a time per store; an ended import refuses more rows', async () => {
    const store = await kit.open();
    const imp = await store.subscribers.beginImport();
    await expect(store.subscribers.beginImport()).rejects.toThrow('an import is already open on this store');
    await imp.commit();
    await expect(imp.subscribe(a('late@example.org'), null)).rejects.toThrow('this import has already ended');
    await expect(imp.commit()).rejects.toThrow('this import has already ended');
    const next = await store.subscribers.beginImport();
    expect(await next.subscribe(a('late@example.org'), null)).toBe('added');
    await next.commit();
    expect((await store.subscribers.counts()).active).toBe(1);
  });

  test('imported subscribers get mailbox ids: a removed one comes back with the id it had', async () => {
    const store = await kit.open();
    const first = await store.subscribers.add(a('back@example.org'), null, cli);
    await store.subscribers.remove(a('back@example.org'));
    const imp = await store.subscribers.beginImport();
    expect(await imp.subscribe(a('back@example.org'), 'Back')).toBe('added');
    await imp.commit();
    expect((await store.subscribers.get(a('back@example.org')))!.id).toBe(first.subscriber!.id);
  });
});
