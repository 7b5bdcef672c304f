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
      expect(await store.subscribers.findById(ana.id)).toMatchObject({ email: 'Ana@example.org', name: 'Ana', status: 'active' });
      for (const id of [0, -1, 999_999, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) expect(await store.subscribers.findById(id)).toBeUndefined();

      // Removed: no subscriber has the id, but its mailbox still names the address.
      await store.subscribers.remove(address('bob@example.org'));
      expect(await store.subscribers.findById(bob.id)).toBeUndefined();
      expect(await store.subscribers.findMailbox(bob.id)).toEqual({ id: bob.id, address: 'bob@example.org' });
      for (const id of [0, -1, 999_999, 1.5, Number.NaN]) expect(await store.subscribers.findMailbox(id)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('regression: remove then re-import gives the person their old id back, so the links in their inbox still work', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-store-')), 'store.db');
    const store = await openSqliteStore(file, {});
    try {
      const importOne = async (a: string) => {
        const session = await store.subscribers.beginImport();
        await session.subscribe(address(a), null);
        await session.commit();
      };
      await importOne('ana@example.org');
      await importOne('carl@example.org');
      const before = (await store.subscribers.get(address('ana@example.org')))!;
      await store.subscribers.remove(address('ana@example.org'));
      await importOne('dora@example.org');
      await importOne('ANA@example.org');
      const after = (await store.subscribers.get(address('ana@example.org')))!;
      expect(after.id).toBe(before.id);
      // A newcomer never gets an id that was ever handed out.
      const dora = (await store.subscribers.get(address('dora@example.org')))!;
      expect(dora.id).toBeGreaterThan((await store.subscribers.get(address('carl@example.org')))!.id);
      expect(await store.subscribers.findMailbox(before.id)).toMatchObject({ address: 'ana@example.org', subscriber: { email: 'ANA@example.org', status: 'active' } });
    } finally {
      await store.close();
    }
  });
});
