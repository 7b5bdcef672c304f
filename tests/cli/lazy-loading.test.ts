import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { COMMANDS, createProgram, requestedCommand } from '../../src/cli/main';
import { makeProject, REPO_ROOT } from '../helpers/cli';
import { spawnCli } from '../helpers/process';

/**
 * A cold `newsletter check` spent most of its second loading code it did not use: both engines,
 * IMAP, the web servers. Each command now loads only what it needs; these tests pin that down
 * without timing anything, by recording which packages a real process loaded.
 */

const RECORDER = path.join(REPO_ROOT, 'tests', 'helpers', 'record-modules.js');

/** The packages (node_modules/<name>) the real program loaded while running `args`. */
async function packagesLoaded(dir: string, args: string[]): Promise<{ code: number | null; output: string; packages: Set<string> }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-modules-')), 'loaded.txt');
  const cli = spawnCli(args, {
    cwd: dir,
    env: { DATABASE_PATH: path.join(dir, 'data', 'test.db'), RECORD_MODULES_FILE: file, NODE_OPTIONS: `--require ${RECORDER}` },
  });
  const code = await cli.exited;
  const packages = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1]!);
  }
  return { code, output: cli.stdout() + cli.stderr(), packages };
}

// The seed issue's engine is the publication's default, react (newsletter.yaml).
const CASES: { args: string[]; loads: string[]; never: string[] }[] = [
  { args: ['status'], loads: ['better-sqlite3'], never: ['pg', 'react', 'react-dom', '@react-email/render', 'mjml', 'cli-progress', 'imapflow'] },
  { args: ['subscribers', 'count'], loads: ['better-sqlite3'], never: ['react', 'react-dom', 'mjml', 'imapflow'] },
  { args: ['check', 'issues/2021-03-22.yaml'], loads: ['@react-email/render', '@jsx-email/doiuse-email'], never: ['mjml', 'imapflow', 'feedsmith', 'mailparser', 'turndown', 'ical.js', 'busboy', '@react-email/code-block', 'undici'] },
  { args: ['check', 'issues/2021-03-22.yaml', '--engine', 'mjml'], loads: ['mjml'], never: ['@react-email/render', 'react-dom', 'imapflow', 'feedsmith', 'htmlnano', 'cssnano-preset-lite', 'undici'] },
];

describe('each command loads only what it needs (a cold check loaded both engines)', () => {
  const dir = makeProject();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // In this order: `status` creates the store, so the checks then also read the sends from it.
  test.each(CASES)('newsletter $args', async ({ args, loads, never }) => {
    const run = await packagesLoaded(dir, args);
    expect(run.output).not.toMatch(/unexpected error/);
    expect(run.code).toBe(0);
    for (const name of loads) expect([...run.packages]).toContain(name);
    for (const name of never) expect([...run.packages]).not.toContain(name);
  });
});

describe('the command table', () => {
  test.each(Object.keys(COMMANDS))('"%s" loads the command of that name', (name) => {
    const command = COMMANDS[name]!()({} as never);
    expect(command).toBeInstanceOf(Command);
    expect(command.name()).toBe(name);
  });

  test.each([
    [['node', 'newsletter', 'check', 'x.yaml'], 'check'],
    [['node', 'newsletter', '--debug', 'subscribers', 'count'], 'subscribers'],
    [['node', 'newsletter', '--help'], undefined],
    [['node', 'newsletter'], undefined],
    [['node', 'newsletter', 'help', 'check'], undefined],
    [['node', 'newsletter', 'chek'], undefined],
    [['node', 'newsletter', 'constructor'], undefined],
  ])('%j runs %s (undefined: every command is registered)', (argv, expected) => {
    expect(requestedCommand(argv)).toBe(expected);
  });

  test('without a known command, every command is registered (help, "did you mean")', () => {
    const program = createProgram({} as never, ['node', 'newsletter', '--help']);
    expect(program.commands.map((c) => c.name())).toEqual(Object.keys(COMMANDS));
  });
});
