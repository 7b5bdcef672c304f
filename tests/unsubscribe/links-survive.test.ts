import { startPublicServer, type PublicServer } from '../../src/web/server';
import { expectOk, onServer, SEED_SLUG, sentProject, type SentProject } from './project';

/**
 * Found by an adversarial run: `subscribers remove` and a re-import gave the person a new id, so
 * the unsubscribe link already in their inbox answered 404 and they stayed subscribed. A link
 * must work for as long as its key is configured, whatever happened to the row since.
 */

const oneClick = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };

describe('unsubscribe links outlive the subscriber row', () => {
  let project: SentProject;
  let server: PublicServer;

  beforeAll(async () => {
    project = await sentProject();
    server = await startPublicServer({ config: project.config(), port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  const linkOf = async (to: string) => onServer(server.url, (await project.received(SEED_SLUG)).find((m) => m.to.toLowerCase() === to.toLowerCase())!.unsubscribeUrl);
  const active = async () => (await project.cli('subscribers', 'list', '--plain', '--status', 'active')).stdout.trim().split('\n');

  it('regression: remove, re-import, then the old link unsubscribes the person', async () => {
    const link = await linkOf('ana@example.org');
    await expectOk(project.cli('subscribers', 'remove', 'ana@example.org'));
    await expectOk(project.cli('subscribers', 'import', 'subscribers.csv'));
    expect(await active()).toContain('ana@example.org');

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('a***@example.org');
    const res = await fetch(link, oneClick);
    expect(res.status).toBe(200);
    expect(await active()).not.toContain('ana@example.org');
  });

  it('a link of someone removed (and not re-imported) still suppresses the address, so no later import brings them back', async () => {
    const link = await linkOf('dan@example.org');
    await expectOk(project.cli('subscribers', 'remove', 'dan@example.org'));
    expect((await fetch(link)).status).toBe(200);
    expect((await fetch(link, oneClick)).status).toBe(200);
    const again = await expectOk(project.cli('subscribers', 'import', 'subscribers.csv'));
    expect(again.stdout).toContain('0 added');
    expect(await active()).not.toContain('dan@example.org');
  });
});
