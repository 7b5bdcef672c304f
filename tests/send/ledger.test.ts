import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite';
import { checkAddress, type Address } from '../../src/subscribers/address';

const addr = (a: string) => {
  const c = checkAddress(a);
  if (!c.ok) throw new Error(c.reason);
  return c.address as Address;
};

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
