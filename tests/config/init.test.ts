import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { runCli } from '../helpers/cli';

const OPTIONS = ['--name', 'Springfield DSA', '--from', 'Springfield DSA <news@springfield-dsa.org>', '--site-url', 'https://news.springfield-dsa.org', '--postal-address', 'PO Box 12, Springfield', '--timezone', 'America/Chicago'];

describe('newsletter init', () => {
  const parent = () => fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-init-'));

  it('starts a clean chapter: its settings, .env with a secret, no demo data, and the next three commands', async () => {
    const dir = parent();
    const r = await runCli(['init', 'chapter', ...OPTIONS], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const chapter = path.join(dir, 'chapter');
    expect(fs.readdirSync(chapter).sort()).toEqual(['.env', '.gitignore', 'issues', 'newsletter.yaml']);
    expect(fs.readdirSync(path.join(chapter, 'issues'))).toEqual([]);
    const env = fs.readFileSync(path.join(chapter, '.env'), 'utf8');
    expect(env).toMatch(/^UNSUBSCRIBE_SECRET=k1:[A-Za-z0-9_-]{43}$/m);
    expect(env).toContain('# SMTP_URL=');
    const cfg = loadConfig(chapter, {});
    expect(cfg.publication).toMatchObject({ name: 'Springfield DSA', from: 'Springfield DSA <news@springfield-dsa.org>', site_url: 'https://news.springfield-dsa.org', timezone: 'America/Chicago' });
    expect(cfg.env.unsubscribeKeyIsDevelopment).toBe(false);
    expect(cfg.env.smtpUrl).toBeUndefined();
    expect(fs.readFileSync(path.join(chapter, 'newsletter.yaml'), 'utf8')).not.toMatch(/example\.org|DSA Los Angeles/);

    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('created chapter/: newsletter.yaml, .env (with a new UNSUBSCRIBE_SECRET), issues/, .gitignore');
    expect(lines).toContain('Next:');
    expect(lines).toContain('  cd chapter');
    const next = lines.slice(lines.indexOf('  cd chapter') + 1, lines.indexOf('  cd chapter') + 4);
    expect(next.map((l) => l.replace(/^\s+node \S+newsletter\.js /, '').replace(/\s+#.*$/, ''))).toEqual(['new', 'preview', 'subscribers import members.csv']);

    // The chapter works, and its own site_url makes example.org links errors from the start.
    const created = await runCli(['new', '--week', '2026-12-07'], { cwd: chapter, env: {} });
    expect(created.code).toBe(0);
    const check = await runCli(['check', '2026-12-07'], { cwd: chapter, now: new Date('2026-12-01T12:00:00Z') });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/links to example\.org, an example address; the issue has a send_at, so it would be sent as it is/);
  });

  it('asks for the chapter\'s values, with an example command', async () => {
    const r = await runCli(['init', 'chapter'], { cwd: parent() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("newsletter init needs the chapter's --name, --from, --site-url, --postal-address; for example:");
  });

  it('refuses example addresses and bad values, as newsletter.yaml would', async () => {
    const options = OPTIONS.map((o) => (o === 'https://news.springfield-dsa.org' ? 'https://news.example.org' : o === 'America/Chicago' ? 'Mars/Olympus' : o));
    const r = await runCli(['init', 'chapter', ...options], { cwd: parent() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timezone "Mars/Olympus": must be an IANA time zone such as America/Los_Angeles');
    expect(r.stderr).toContain("--site-url https://news.example.org: is an example address; give the chapter's own");
  });

  it('never overwrites a project (the demo folder, or a chapter)', async () => {
    const dir = parent();
    fs.writeFileSync(path.join(dir, 'newsletter.yaml'), 'name: mine\n');
    const r = await runCli(['init', ...OPTIONS], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('newsletter.yaml already exists: this folder is a project already');
    expect(fs.readFileSync(path.join(dir, 'newsletter.yaml'), 'utf8')).toBe('name: mine\n');
  });
});
