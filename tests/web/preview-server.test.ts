import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { makeProject, runCli } from '../helpers/cli';
import { renderMjmlHtml } from '../../src/render/mjml';
import { buildView } from '../../src/issue/view';
import { loadIssueFile } from '../../src/issue/load';
import { loadConfig } from '../../src/config';
import { UserError } from '../../src/util/errors';
import { hostAllowed, startPreviewServer, type PreviewServer } from '../../src/web/preview/server';
import { eventually } from '../helpers/process';
import { makeSendProject, send } from '../helpers/send-project';

/** A raw GET: the path goes on the wire exactly as written (fetch would normalise `..`). */
function rawGet(server: PreviewServer, pathOnWire: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathOnWire, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SEED = 'issues/2021-03-22.yaml';
const SECRET = 'SECRET-VALUE-never-served';

describe('preview server over HTTP', () => {
  let dir: string;
  let server: PreviewServer;

  beforeAll(async () => {
    dir = makeProject({ '.env': `UNSUBSCRIBE_SECRET=${SECRET}\n`, 'outbox/2021-03-22/notes.txt': SECRET });
    // A message in the outbox, as a send without SMTP_URL writes it.
    await runCli(['build', SEED], { cwd: dir });
    fs.copyFileSync(path.join(dir, 'dist/2021-03-22/message.eml'), path.join(dir, 'outbox/2021-03-22/1.eml'));
    fs.writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-outside.txt`), SECRET);
    server = await startPreviewServer({ root: dir, port: 0, now: () => new Date('2021-03-21T12:00:00Z') });
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 and sends / to the newest issue', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await rawGet(server, '/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/issues/2021-03-22');
  });

  it('shows the issue as the inbox would, with its checks, under a strict CSP', async () => {
    const res = await rawGet(server, '/issues/2021-03-22');
    expect(res.status).toBe(200);
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('DSA-LA &lt;newsletter@example.org&gt;');
    expect(res.body).toContain('This week: Solidarity with BAmazon Union!');
    expect(res.body).toContain('Rally at Grand Park, one-on-one training, PRO Act planning, DSA 101');
    // The copied March 15 block, found by lint, with its file and line.
    expect(res.body).toMatch(/issues\/2021-03-22\.yaml:55:/);
    expect(res.body).toContain('is outside the week of March 22');
    expect(res.body).toMatch(/<iframe[^>]*sandbox="allow-popups allow-popups-to-escape-sandbox"/);
    expect(res.body).not.toMatch(/<iframe[^>]*allow-scripts/);
    expect(res.body).toMatch(/src="\/issues\/2021-03-22\/email\.html\?engine=react&amp;v=[\w-]+"/);
  });

  it('lists the issues newest first with their check status', async () => {
    fs.writeFileSync(path.join(dir, 'issues/2021-03-29.yaml'), 'week_of: 2021-03-29\nsubject: Next week\npreheader: soon\n');
    fs.writeFileSync(path.join(dir, 'issues/2021-03-15.yaml'), 'week_of: [broken\n');
    try {
      const res = await rawGet(server, '/issues/2021-03-22');
      const order = ['2021-03-29', '2021-03-22', '2021-03-15'].map((s) => res.body.indexOf(`href="/issues/${s}?engine=react"`));
      expect(order.every((i) => i > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(res.body).toMatch(/2021-03-15<\/a> <span class="badge error">1 error<\/span>/);
      expect(res.body).toMatch(/2021-03-22<\/a> <span class="badge warning">\d+ warnings?<\/span>/);
    } finally {
      fs.rmSync(path.join(dir, 'issues/2021-03-29.yaml'));
      fs.rmSync(path.join(dir, 'issues/2021-03-15.yaml'));
    }
  });

  it('serves the email itself with a CSP that allows no script', async () => {
    const res = await rawGet(server, '/issues/2021-03-22/email.html?engine=react');
    expect(res.status).toBe(200);
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain('sandbox');
    expect(res.body).toContain('Pass the PRO Act Planning Meeting');
    expect(res.body).toContain('https://news.example.org/u/sample');
    expect(res.body).not.toContain('%%UNSUBSCRIBE_URL%%');
  });

  it('serves the plain-text part', async () => {
    const res = await rawGet(server, '/issues/2021-03-22/email.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('Click here to RSVP and receive Zoom details: https://example.org/rsvp/pro-act');
  });

  it('shows what the MJML engine gives: the email, or its own error message in the page', async () => {
    const res = await rawGet(server, '/issues/2021-03-22?engine=mjml');
    expect(res.status).toBe(200);
    const cfg = loadConfig(dir, {});
    const loaded = loadIssueFile(path.join(dir, SEED), cfg.publication.timezone);
    let mjmlError: unknown;
    try {
      await renderMjmlHtml(buildView(loaded.issue, cfg.publication, { slug: loaded.slug }));
    } catch (err) {
      mjmlError = err;
    }
    if (mjmlError) {
      expect(mjmlError).toBeInstanceOf(UserError);
      expect(res.body).toContain('engine could not render this issue');
      expect(res.body).toContain(escapeForHtml((mjmlError as Error).message));
    } else {
      expect(res.body).toMatch(/src="\/issues\/2021-03-22\/email\.html\?engine=mjml&amp;v=/);
      const email = await rawGet(server, '/issues/2021-03-22/email.html?engine=mjml');
      expect(email.body).toContain('Pass the PRO Act Planning Meeting');
    }
  });

  it.each([
    '/issues/..%2f..%2fnewsletter.yaml',
    '/issues/%2e%2e%2f%2e%2e%2f.env',
    '/issues/%2e%2e%2f%2e%2e%2f.env/email.html',
    '/issues/2021-03-22/..%2f..%2f.env',
    '/issues/2021-03-22/%2e%2e%2f%2e%2e%2f.env',
    '/issues/../.env',
    '/issues/2021-03-22/../../.env',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e%2fpreview.js',
    '/outbox/..%2f/.env',
    '/outbox/%2e%2e/.env',
    '/outbox/2021-03-22/..%2f..%2f.env',
    '/outbox/2021-03-22/%2e%2e%2f%2e%2e%2f.env',
    '/outbox/2021-03-22/notes.txt',
    '/outbox/2021-03-22/..%2f..%2f..%2f' + 'outside.txt',
    '/outbox/2021-03-22/1.eml/..%2f..%2f..%2f.env',
    '/outbox/%2e%2e%2f%2e%2e%2f/1.eml',
    '/issues/%252e%252e%252f.env',
    '/issues/2021-03-22%00/email.html',
    '/issues/%E0%A4%A',
  ])('answers 404 to the traversal attempt %s', async (attempt) => {
    const res = await rawGet(server, attempt);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain('week_of');
  });

  it.each(['/admin', '/issues', '/issues/2021-03-29', '/issues/2021-03-22.yaml', '/issues/2021-03-22/web.html', '/issues/2021-03-22/email.html/x', '/assets/other.js', '/issues/2021-03-22?engine=bogus', '/outbox/2021-03-22/2.eml', '/outbox/nope/1.eml', '/favicon.ico', '/issues/2021-03-22/images/other.jpg', '/issues/2021-03-22/images/..%2f2021-03-22.yaml', '/issues/nope/images/bamazon-rally.jpg'])(
    'answers 404 to the unknown route %s',
    async (route) => {
      const res = await rawGet(server, route);
      expect(res.status).toBe(404);
      expect(res.body).toContain('Not found');
    },
  );

  it('refuses methods other than GET and HEAD', async () => {
    const res = await rawGet(server, '/issues/2021-03-22', {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const res = await rawGet(server, '/issues/2021-03-22', { host: `attacker.example:${server.port}` });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('BAmazon');
    const ok = await rawGet(server, '/issues/2021-03-22', { host: `localhost:${server.port}` });
    expect(ok.status).toBe(200);
  });

  it('lists the outbox and shows a message like an email', async () => {
    const page = await rawGet(server, '/issues/2021-03-22');
    expect(page.body).toContain('href="/outbox/2021-03-22/1.eml"');
    expect(page.body).not.toContain('notes.txt');
    const msg = await rawGet(server, '/outbox/2021-03-22/1.eml');
    expect(msg.status).toBe(200);
    expect(msg.body).toContain('<dt>From</dt><dd>&quot;DSA-LA&quot; &lt;newsletter@example.org&gt;</dd>');
    expect(msg.body).toMatch(/<dt>To<\/dt><dd>[^<]*subscriber@example\.org/);
    expect(msg.body).toContain('<dd class="subject">This week: Solidarity with BAmazon Union!</dd>');
    expect(msg.body).toMatch(/<dt>Date<\/dt><dd>\w{3}, \d\d \w{3} \d{4}/);
    expect(msg.body).toContain('Pass the PRO Act Planning Meeting'); // the text part
    expect(msg.body).toMatch(/<iframe[^>]*src="\/outbox\/2021-03-22\/1\.eml\/email\.html"[^>]*sandbox="allow-popups allow-popups-to-escape-sandbox"/);
    const html = await rawGet(server, '/outbox/2021-03-22/1.eml/email.html');
    expect(html.status).toBe(200);
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).toContain('Pass the PRO Act Planning Meeting');
  });
});

describe('preview server with hostile or broken files', () => {
  let server: PreviewServer | undefined;
  afterEach(() => server?.close());

  it('escapes every value from the YAML in the page', async () => {
    const dir = makeProject({
      'issues/2021-03-29.yaml': [
        'week_of: 2021-03-29',
        'subject: "<img src=x onerror=alert(1)> & more"',
        'preheader: "</title><script>alert(2)</script>"',
        'sections:',
        '  - title: "<b>bold</b>"',
        '    events:',
        '      - { title: "<script>alert(3)</script>", start: 2021-03-30T18:00 }',
        '',
      ].join('\n'),
    });
    server = await startPreviewServer({ root: dir, port: 0 });
    const res = await rawGet(server, '/issues/2021-03-29');
    expect(res.status).toBe(200);
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; more');
    expect(res.body).toContain('&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(res.body).not.toMatch(/<script>alert/);
    expect(res.body).not.toContain('<img src=x');
    const text = await rawGet(server, '/issues/2021-03-29');
    expect(text.body).toMatch(/<pre id="text"[^>]*>[\s\S]*&lt;script&gt;alert\(3\)&lt;\/script&gt;/);
  });

  it('shows YAML errors with their line instead of an email, and the email once fixed', async () => {
    const dir = makeProject();
    const file = path.join(dir, SEED);
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace('subject: "This week', 'subject "This week').replace('week_of: 2021-03-22', 'week_of: 2021-13-45'));
    server = await startPreviewServer({ root: dir, port: 0 });
    const broken = await rawGet(server, '/issues/2021-03-22');
    expect(broken.status).toBe(200);
    expect(broken.body).toContain('This issue has errors.');
    expect(broken.body).toContain('<code class="where">issues/2021-03-22.yaml:5:10</code> <span class="sev">error</span> week_of: is not a real calendar date');
    expect(broken.body).not.toContain('<iframe');
    const email = await rawGet(server, '/issues/2021-03-22/email.html');
    expect(email.body).toContain('This issue has errors');
    fs.writeFileSync(file, good);
    await eventually(async () => (await rawGet(server!, '/issues/2021-03-22')).body, (body) => expect(body).toContain('<iframe'));
  });

  it('shows the errors of a broken newsletter.yaml on every issue, by that file’s name', async () => {
    const dir = makeProject();
    fs.appendFileSync(path.join(dir, 'newsletter.yaml'), 'colour: red\n');
    server = await startPreviewServer({ root: dir, port: 0 });
    const res = await rawGet(server, '/issues/2021-03-22');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/<code class="where">newsletter\.yaml:\d+/);
    expect(res.body).toContain('colour');
  });

  it('shows an empty list when there are no issues yet', async () => {
    const dir = makeProject();
    fs.rmSync(path.join(dir, 'issues'), { recursive: true });
    server = await startPreviewServer({ root: dir, port: 0 });
    const res = await rawGet(server, '/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('No issues yet');
  });

  it('says which port is taken', async () => {
    const dir = makeProject();
    server = await startPreviewServer({ root: dir, port: 0 });
    await expect(startPreviewServer({ root: dir, port: server.port })).rejects.toThrow(new UserError(`port ${server.port} on 127.0.0.1 is already in use; choose another with --port (--port 0 picks a free one)`));
  });
});

describe('live reload events', () => {
  it('tells the page within a second or so that an issue changed, and the page shows the change', async () => {
    const dir = makeProject();
    const server = await startPreviewServer({ root: dir, port: 0 });
    const events: string[] = [];
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/events' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => events.push(d));
    });
    try {
      await eventually(async () => events.join(''), (s) => expect(s).toContain('retry:'));
      const file = path.join(dir, SEED);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('title: DSA 101', 'title: DSA 102 for new members'));
      await eventually(async () => events.join(''), (s) => expect(s).toMatch(/event: change\ndata: \{"kinds":\["issue"\]\}/));
      const page = await rawGet(server, '/issues/2021-03-22/email.html');
      expect(page.body).toContain('DSA 102 for new members');
    } finally {
      req.destroy();
      await server.close();
    }
  });
});

describe('newsletter preview (command line)', () => {
  it('refuses an issue that is not in issues/', async () => {
    const dir = makeProject();
    const res = await runCli(['preview', 'issues/2099-01-01.yaml', '--port', '0'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('issues/2099-01-01.yaml: no such issue in issues/ (there are: issues/2021-03-22.yaml)\n');
  });

  it('refuses a port that is not a number', async () => {
    const dir = makeProject();
    const res = await runCli(['preview', '--port', 'eighty'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("option '--port <port>' argument 'eighty' is invalid. must be a port number from 0 to 65535");
  });

  it('refuses to run outside a project folder', async () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'newsletter-empty-'));
    const res = await runCli(['preview', '--port', '0'], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('newsletter.yaml not found in');
  });
});

function escapeForHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}


// Regression: with --host 0.0.0.0 (or any non-loopback address) the Host check was skipped.
describe('the preview answers only to its own names, whatever --host is (DNS rebinding)', () => {
  const table: [string, string, boolean][] = [
    ['127.0.0.1', '127.0.0.1:3000', true],
    ['127.0.0.1', 'localhost:3000', true],
    ['127.0.0.1', 'attacker.example:3000', false],
    ['0.0.0.0', '192.168.1.20:3000', true],
    ['0.0.0.0', '[fe80::1]:3000', true],
    ['0.0.0.0', 'localhost:3000', true],
    ['0.0.0.0', 'attacker.example:3000', false],
    ['0.0.0.0', '127.0.0.1.nip.io:3000', false],
    ['192.168.1.20', '192.168.1.20:3000', true],
    ['192.168.1.20', 'rebind.attacker.example', false],
    ['preview.lan', 'preview.lan:3000', true],
    ['preview.lan', 'PREVIEW.LAN', true],
    ['preview.lan', 'other.lan:3000', false],
    ['::', '[::1]:3000', true],
    ['::', 'evil.example', false],
    ['0.0.0.0', '', false],
  ];
  it.each(table)('--host %s, Host: %s → allowed %s', (host, header, allowed) => {
    expect(hostAllowed(header || undefined, host)).toBe(allowed);
  });
});

describe('preview outbox never follows symbolic links', () => {
  it('lists and serves neither a linked message nor a linked folder', async () => {
    const dir = makeProject();
    const outside = fs.mkdtempSync(path.join(path.dirname(dir), 'outside-'));
    fs.writeFileSync(path.join(outside, 'secret.eml'), `From: a@b.c\r\nTo: d@e.f\r\nSubject: ${SECRET}\r\n\r\n${SECRET}\r\n`);
    fs.mkdirSync(path.join(dir, 'outbox', '2021-03-22'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'secret.eml'), path.join(dir, 'outbox', '2021-03-22', '1.eml'));
    fs.symlinkSync(outside, path.join(dir, 'outbox', 'linked'));
    const server = await startPreviewServer({ root: dir, port: 0, now: () => new Date('2021-03-21T12:00:00Z') });
    try {
      for (const p of ['/outbox/2021-03-22/1.eml', '/outbox/2021-03-22/1.eml/email.html', '/outbox/linked/secret.eml']) {
        const res = await rawGet(server, p);
        expect([p, res.status]).toEqual([p, 404]);
        expect(res.body).not.toContain(SECRET);
      }
      expect((await rawGet(server, '/issues/2021-03-22')).body).not.toContain('1.eml');
    } finally {
      await server.close();
    }
  });
});

describe('preview send state and the last good rendering', () => {
  it('says when an issue was sent and to how many (never "ok"), and when one is due', async () => {
    const project = await makeSendProject(3);
    expect((await send(project)).code).toBe(0);
    fs.writeFileSync(path.join(project.dir, 'issues', '2021-03-29.yaml'), fs.readFileSync(path.join(project.dir, SEED), 'utf8').replace('week_of: 2021-03-22', 'week_of: 2021-03-29').replace('send_at: 2021-03-22T07:00', 'send_at: 2021-03-29T07:00'));
    const server = await startPreviewServer({ root: project.dir, port: 0, env: project.env, now: () => new Date('2021-03-25T12:00:00Z') });
    try {
      const sent = await rawGet(server, '/issues/2021-03-22');
      expect(sent.body).toMatch(/<div class="send-state sent" role="status">Sent on \w+day, \w+ \d+, \d{4}, \d+:\d\d [AP]M P[SD]T, to 3 subscribers<\/div>/);
      expect(sent.body).toMatch(/2021-03-22<\/a> <span class="badge send sent" title="Sent on [^"]+">sent<\/span>/);
      const due = await rawGet(server, '/issues/2021-03-29');
      expect(due.body).toContain('<div class="send-state scheduled" role="status">Due at Monday, March 29, 2021, 7:00 AM PDT (send_at); not sent yet</div>');
    } finally {
      await server.close();
    }
  });

  it('keeps serving the last email that rendered while the file has errors', async () => {
    const dir = makeProject();
    const server = await startPreviewServer({ root: dir, port: 0, now: () => new Date('2021-03-21T12:00:00Z') });
    try {
      const good = await rawGet(server, '/issues/2021-03-22/email.html');
      expect(good.body).toContain('Pass the PRO Act Planning Meeting');
      const file = path.join(dir, SEED);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('week_of: 2021-03-22', 'week_of: 2021-02-30'));
      await eventually(() => rawGet(server, '/issues/2021-03-22'), (page) => expect(page.body).toContain('class="frame stale"'));
      const page = await rawGet(server, '/issues/2021-03-22');
      expect(page.body).toContain('Below, dimmed, is the last version that worked');
      expect((await rawGet(server, '/issues/2021-03-22/email.html')).body).toContain('Pass the PRO Act Planning Meeting');
    } finally {
      await server.close();
    }
  });
});
