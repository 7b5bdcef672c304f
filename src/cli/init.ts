import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { CONFIG_FILE } from '../config';
import { PublicationSchema } from '../config/schema';
import { isPlaceholderHost } from '../issue/lint';
import { UserError } from '../util/errors';
import { println, type CliContext } from './context';

interface InitOptions {
  name?: string;
  from?: string;
  siteUrl?: string;
  postalAddress?: string;
  timezone?: string;
}

const OPTION_OF: Record<string, string> = { name: '--name', from: '--from', site_url: '--site-url', postal_address: '--postal-address', timezone: '--timezone' };
const EXAMPLE =
  'newsletter init ../my-chapter --name "DSA Los Angeles" --from "DSA-LA <news@dsa-la.org>" --site-url https://news.dsa-la.org --postal-address "PO Box 1, Los Angeles, CA 90001" --timezone America/Los_Angeles';

/**
 * `newsletter init [folder]`: a clean chapter — its settings, a .env from .env.example with a new
 * unsubscribe secret, an empty issues/ — and none of the demo's data. The chapter's own values are
 * asked for as options (checked as newsletter.yaml would be), so nothing example.org is left in it.
 */
export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description("start a clean chapter: newsletter.yaml with the chapter's settings, .env, an empty issues/")
    .argument('[folder]', 'the folder to set up (created if needed); default: the current one', '.')
    .option('--name <name>', "the publication's name, shown in the header and the inbox")
    .option('--from <address>', 'the sender, e.g. "DSA-LA <news@dsa-la.org>"')
    .option('--site-url <url>', 'the public address of `newsletter serve` (unsubscribe links, web versions)')
    .option('--postal-address <text>', 'the postal address for the footer (required by anti-spam law)')
    .option('--timezone <zone>', "the IANA time zone of the chapter's events (default: this computer's)")
    .action((folder: string, opts: InitOptions) => {
      const target = path.resolve(ctx.cwd, folder);
      const shown = path.relative(ctx.cwd, target) || '.';
      if (fs.existsSync(path.join(target, CONFIG_FILE))) {
        throw new UserError(`${path.join(shown, CONFIG_FILE)} already exists: this folder is a project already (the demo's, or a chapter's). Start the chapter in a new folder: ${EXAMPLE}`);
      }
      const missing = (['name', 'from', 'siteUrl', 'postalAddress'] as const).filter((k) => !opts[k]?.trim());
      if (missing.length) {
        const names = missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
        throw new UserError(`newsletter init needs the chapter's ${names.join(', ')}; for example:\n  ${EXAMPLE}`, 2);
      }
      const timezone = opts.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      const settings = { name: opts.name!.trim(), from: opts.from!.trim(), timezone, site_url: opts.siteUrl!.trim(), postal_address: opts.postalAddress!.trim() };
      const parsed = PublicationSchema.safeParse(settings);
      const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${OPTION_OF[String(i.path[0])] ?? String(i.path[0])} ${JSON.stringify((settings as Record<string, string>)[String(i.path[0])])}: ${i.message}`);
      let host = '';
      try {
        host = new URL(settings.site_url).hostname;
      } catch {
        // reported by the schema
      }
      if (host && isPlaceholderHost(host)) problems.push(`--site-url ${settings.site_url}: is an example address; give the chapter's own (where \`newsletter serve\` will run)`);
      if (problems.length) throw new UserError(problems.join('\n'), 2);

      fs.mkdirSync(path.join(target, 'issues'), { recursive: true });
      const schema = path.relative(target, path.join(packageRoot(), 'newsletter.schema.json')).split(path.sep).join('/');
      fs.writeFileSync(path.join(target, CONFIG_FILE), publicationYaml(settings, schema), { flag: 'wx' });
      const envFile = path.join(target, '.env');
      const wroteEnv = !fs.existsSync(envFile);
      if (wroteEnv) fs.writeFileSync(envFile, envFromExample(), { flag: 'wx', mode: 0o600 });
      const gitignore = path.join(target, '.gitignore');
      if (!fs.existsSync(gitignore)) fs.writeFileSync(gitignore, '.env\ndata/\noutbox/\ndist/\n');

      const absoluteBin = path.join(packageRoot(), 'bin', 'newsletter.js');
      const bin = path.relative(target, absoluteBin);
      // Inside the package: npx finds it. Elsewhere: the program by its path (absolute when far).
      const run = !bin.startsWith('..') ? 'npx newsletter' : `node ${bin.startsWith(`..${path.sep}..${path.sep}..`) ? absoluteBin : bin}`;
      println(ctx.stdout, `created ${shown === '.' ? 'this chapter' : `${shown}/`}: ${CONFIG_FILE}, ${wroteEnv ? '.env (with a new UNSUBSCRIBE_SECRET), ' : ''}issues/, .gitignore`);
      println(ctx.stdout, `time zone: ${timezone}${opts.timezone ? '' : " (this computer's; change `timezone:` in newsletter.yaml if the chapter is elsewhere)"}`);
      println(ctx.stdout, 'Next:');
      if (shown !== '.') println(ctx.stdout, `  cd ${shown}`);
      const steps: [string, string][] = [
        [`${run} new`, "start next week's issue (issues/<monday>.yaml)"],
        [`${run} preview`, 'see it in your browser while you write it'],
        [`${run} subscribers import members.csv`, 'add your members (a CSV with an email column)'],
      ];
      const width = Math.max(...steps.map(([c]) => c.length));
      for (const [command, what] of steps) println(ctx.stdout, `  ${command.padEnd(width)}  # ${what}`);
      println(ctx.stdout, `Before the first real send, set SMTP_URL in ${shown === '.' ? '' : `${shown}/`}.env; until then, sends go to outbox/.`);
    });
}

/** The folder of this package (bin/, .env.example), found from the compiled or the source file. */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'bin', 'newsletter.js')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function envFromExample(): string {
  const example = path.join(packageRoot(), '.env.example');
  const text = fs.existsSync(example) ? fs.readFileSync(example, 'utf8') : '';
  const secret = `k1:${crypto.randomBytes(32).toString('base64url')}`;
  const line = `UNSUBSCRIBE_SECRET=${secret}`;
  return /^# ?UNSUBSCRIBE_SECRET=.*$/m.test(text) ? text.replace(/^# ?UNSUBSCRIBE_SECRET=.*$/m, line) : `${text}\n${line}\n`;
}

const q = (s: string) => JSON.stringify(s);

function publicationYaml(s: { name: string; from: string; timezone: string; site_url: string; postal_address: string }, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# Publication settings. Secrets (SMTP password, unsubscribe secret) go in .env, never here.
name: ${q(s.name)}
from: ${q(s.from)}
# reply_to: "info@your-chapter.org"
timezone: ${s.timezone}            # IANA zone; every time in issues/ is local to it
site_url: ${s.site_url}       # public base URL of \`newsletter serve\`
# calendar_url: https://your-chapter.org/calendar
brand:
  color: "#EC1F27"
  # logo_url: https://your-chapter.org/logo.png
  logo_alt: ${q(s.name)}
social: []
postal_address: ${q(s.postal_address)}
engine: react                            # or mjml
send: { rate_per_second: 14, connections: 5, max_errors: 50, stale_after_hours: 6 }
`;
}
