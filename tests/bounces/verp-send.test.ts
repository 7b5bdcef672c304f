import Database from 'better-sqlite3';
import { readVerp } from '../../src/bounces/verp';
import { makeSendProject, SECRET, send } from '../helpers/send-project';
import { startSmtpServer } from '../helpers/smtp';

const KEYS = [{ id: 'k1', secret: SECRET.slice(3) }];

describe('the return path on the wire', () => {
  it('with BOUNCE_ADDRESS, each message goes out with MAIL FROM a return path signed for its own delivery', async () => {
    const server = await startSmtpServer();
    try {
      const project = await makeSendProject(3, { smtpUrl: server.url() });
      const r = await send(project, [], { BOUNCE_ADDRESS: 'Bounces@Example.org' });
      expect(r.code).toBe(0);
      const db = new Database(project.env.DATABASE_PATH!, { readonly: true });
      const ids = new Map(db.prepare<[], { id: number; address: string }>('SELECT id, address FROM deliveries').all().map((d) => [d.address, d.id]));
      db.close();
      expect(server.received).toHaveLength(3);
      for (const m of server.received) {
        expect(m.from).toMatch(/^bounces\+\d+-[0-9a-f]{16}@example\.org$/);
        expect(readVerp(m.from, 'bounces@example.org', KEYS)).toEqual({ deliveryId: ids.get(m.to) });
      }
    } finally {
      await server.close();
    }
  });

  it('without BOUNCE_ADDRESS, the From address as before', async () => {
    const server = await startSmtpServer();
    try {
      const project = await makeSendProject(1, { smtpUrl: server.url() });
      expect((await send(project)).code).toBe(0);
      expect(server.received.map((m) => m.from)).toEqual(['newsletter@example.org']);
    } finally {
      await server.close();
    }
  });
});
