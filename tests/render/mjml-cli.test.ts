import fs from 'node:fs';
import path from 'node:path';
import { load } from 'cheerio';
import { simpleParser } from 'mailparser';
import { makeProject, runCli } from '../helpers/cli';

const SEED_TITLES = [
  'Week of March 22, 2021',
  'This week at a glance',
  'Solidarity with BAmazon Union! Rally at Grand Park',
  'Neighborhood Meetings',
  'One-on-One Organizing Conversation Training',
  'South Central & Inglewood March Branch Meeting',
  'Pass the PRO Act Planning Meeting',
  'DSA 101',
];

/** `newsletter build` and `check` with either engine, as an editor runs them. */
describe.each(['react', 'mjml'] as const)('newsletter build --engine %s', (engine) => {
  let dir: string;
  let result: Awaited<ReturnType<typeof runCli>>;
  let html: string;

  beforeAll(async () => {
    dir = makeProject();
    result = await runCli(['build', 'issues/2021-03-22.yaml', '--engine', engine], { cwd: dir });
    html = fs.readFileSync(path.join(dir, 'dist', '2021-03-22', 'email.html'), 'utf8');
  });

  it('exits 0 and says which engine built the email', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`built issues/2021-03-22.yaml with ${engine}`);
  });

  it('writes a complete email: every heading, button, calendar link and the filled unsubscribe link', () => {
    const $ = load(html);
    expect($('h1, h2, h3').map((_, h) => $(h).text().trim()).get()).toEqual(SEED_TITLES);
    expect($('a[href="https://example.org/rsvp/pro-act"]').text().trim()).toBe('Click here to RSVP and receive Zoom details');
    expect($('a:contains("Add to calendar")')).toHaveLength(5);
    expect($('a:contains("Google Calendar")')).toHaveLength(1);
    expect($('a:contains("Unsubscribe")').attr('href')).toBe('https://news.example.org/u/sample');
    expect(html).not.toContain('%%');
    expect($('body').text()).toContain('PO Box 0000, Los Angeles, CA 90000');
  });

  it('puts the same HTML in the sample message', async () => {
    const mail = await simpleParser(fs.readFileSync(path.join(dir, 'dist', '2021-03-22', 'message.eml')));
    expect(typeof mail.html).toBe('string');
    const $ = load(mail.html as string);
    expect($('h3').map((_, h) => $(h).text()).get()).toEqual(SEED_TITLES.slice(4));
  });

  it('check reports no warning about the rendered email of the seed issue', async () => {
    const check = await runCli(['check', 'issues/2021-03-22.yaml', '--engine', engine], { cwd: dir });
    expect(check.code).toBe(0);
    // The seed's own two lint warnings (the copied March 15 block) and nothing about the HTML.
    expect(check.stdout).toContain('0 errors, 2 warnings');
    expect(check.stdout).not.toMatch(/HTML/);
  });
});

describe('the engine setting', () => {
  it('builds with the engine in newsletter.yaml when no --engine is given', async () => {
    const dir = makeProject();
    const config = path.join(dir, 'newsletter.yaml');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace(/^engine: react/m, 'engine: mjml'));
    const result = await runCli(['build', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('with mjml');
    // MJML's responsive column classes are in its output and never in React Email's.
    expect(fs.readFileSync(path.join(dir, 'dist', '2021-03-22', 'email.html'), 'utf8')).toContain('mj-column-per-100');
  });

  it('refuses an unknown engine with a usage error', async () => {
    const result = await runCli(['build', 'issues/2021-03-22.yaml', '--engine', 'handlebars'], { cwd: makeProject() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--engine.*handlebars.*(react|mjml)/);
  });
});
