import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './cli';

const BIN = path.join(REPO_ROOT, 'bin', 'newsletter.js');

/** `newsletter serve` as a real process; `url` resolves once it prints where it listens. */
export function startServe(cwd: string, env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /^Serving \S+ on (http:\/\/\S+) — Ctrl-C to stop$/m.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`serve exited before printing its URL: ${stderr}`)));
  });
  url.catch(() => undefined);
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}
