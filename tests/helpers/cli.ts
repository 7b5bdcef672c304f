import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliContext } from '../../src/cli/context';
import { run } from '../../src/cli/main';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SEED_ISSUE = path.join(REPO_ROOT, 'issues', '2021-03-22.yaml');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in process, as `newsletter <args>` in `cwd`, capturing its output. */
export async function runCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; now?: Date; stdin?: Buffer | string }): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const ctx: CliContext = {
    cwd: opts.cwd,
    env: opts.env ?? {},
    stdout,
    stderr,
    stdin: opts.stdin === undefined ? new PassThrough() : new PassThrough().end(opts.stdin),
    now: clockFrom(opts.now ?? new Date('2021-03-21T12:00:00Z')),
    debug: false,
  };
  const code = await run(['node', 'newsletter', ...args], ctx);
  return { code, stdout: out, stderr: err };
}

/** A clock that starts at `start` and runs at real speed (retries and leases need time to pass). */
export function clockFrom(start: Date): () => Date {
  const began = Date.now();
  return () => new Date(start.getTime() + (Date.now() - began));
}

/**
 * A throwaway project folder: the repo's newsletter.yaml and issues/, plus whatever files the test
 * adds. Each test gets its own, so nothing is shared and nothing is written into the repo.
 */
export function makeProject(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-test-'));
  fs.copyFileSync(path.join(REPO_ROOT, 'newsletter.yaml'), path.join(dir, 'newsletter.yaml'));
  fs.mkdirSync(path.join(dir, 'issues'));
  fs.copyFileSync(SEED_ISSUE, path.join(dir, 'issues', '2021-03-22.yaml'));
  // The seed's flyer, next to it.
  fs.cpSync(path.join(REPO_ROOT, 'issues', 'images'), path.join(dir, 'issues', 'images'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}
