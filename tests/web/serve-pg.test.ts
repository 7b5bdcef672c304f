import fs from 'node:fs';
import { parseFeed } from '@rowanmanning/feed-parser';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { startServe } from '../helpers/serve';
import { SEED_SLUG, sentProject, type SentProject } from '../unsubscribe/project';

/**
 * `serve` on its own host: the store is a PostgreSQL server named by DATABASE_URL, and there is no
 * SQLite file anywhere. The send happened through the same database (from "another machine").
 */
describe('newsletter serve with only DATABASE_URL', () => {
  let pg: Postgres;
  let project: SentProject;
  beforeAll(async () => {
    pg = await startPostgres();
    project = await sentProject({ env: { DATABASE_URL: await pg.createDatabase() } });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('serves the archive, the feed and the web version, and unsubscribes with one click, from PostgreSQL', async () => {
    const { DATABASE_PATH: _unused, ...env } = project.env;
    const run = startServe(project.dir, env, ['--port', '0']);
    try {
      const url = await run.url;
      const archive = await fetch(new URL('/issues/', url));
      expect(archive.status).toBe(200);
      expect(await archive.text()).toContain(`href="${SEED_SLUG}/"`);
      const web = await fetch(new URL(`/issues/${SEED_SLUG}/`, url));
      expect(web.status).toBe(200);
      expect(await web.text()).toContain('Solidarity with BAmazon Union!');
      const feed = parseFeed(await (await fetch(new URL('/feed.xml', url))).text());
      expect(feed.items.map((i) => i.url)).toEqual([`https://news.example.org/issues/${SEED_SLUG}/`]);

      const [m] = await project.received(SEED_SLUG);
      const link = new URL(new URL(m!.unsubscribeUrl).pathname, url);
      const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(res.status).toBe(200);
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
    expect(run.output().stderr).toBe('');
    // The unsubscribe is in the database the sender reads, and no SQLite file was made.
    expect(await project.cli('subscribers', 'count')).toMatchObject({ stdout: 'active: 3\nunsubscribed: 1\nsuppressed: 1\n  bounced: 0\n  complained: 0\n' });
    expect(fs.existsSync(project.env.DATABASE_PATH!)).toBe(false);
  });
});
