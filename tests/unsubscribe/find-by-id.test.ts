import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite';
import { checkAddress, type Address } from '../../src/subscribers/address';

/** The store's lookup behind a token: subscriber id → subscriber. */

const address = (a: string): Address => {
  const c = checkAddress(a);
  if (!c.ok) throw new Error(c.reason);
  return c.address;
};

describe('SubscriberStore.findById', () => {
  it('finds a subscriber by id, and nothing for ids that are not there', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-store-')), 'store.db');
    const store = await openSqliteStore(file, {});
    try {
      const session = await store.subscribers.beginImport();
      await session.subscribe(address('Ana@Example.org'), 'Ana');
      await session.subscribe(address('bob@example.org'), null);
      await session.commit();
      const bob = (await store.subscribers.get(address('bob@example.org')))!;
      expect(await store.subscribers.findById(bob.id)).toEqual(bob);
      const ana = (await store.subscribers.get(address('ana@example.org')))!;
      expect(await store.subscribers.findById(ana.id)).toMatchObject({ email: 'Ana@Example.org', name: 'Ana', status: 'active' });
      for (const id of [0, -1, 999_999, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) expect(await store.subscribers.findById(id)).toBeUndefined();

      // Removed: its old links name nobody.
      await store.subscribers.remove(address('bob@example.org'));
      expect(await store.subscribers.findById(bob.id)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
