import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './cli';

const BIN = path.join(REPO_ROOT, 'bin', 'newsletter.js');

/**
 * A command of the real program that listens (`serve`, `preview`), as a process; `url` resolves
 * once its first line says where (`listening` captures the URL), and rejects if it exits first.
 */
export function startListening(command: string, listening: RegExp, cwd: string, env: Record<string, string>, args: string[], bin = BIN) {
  const child = spawn(process.execPath, [bin, command, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = listening.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`${command} exited before printing its URL: ${stderr}`)));
  });
  url.catch(() => undefined); // awaited only by tests that expect a URL
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

/** `newsletter serve`. */
export function startServe(cwd: string, env: Record<string, string>, args: string[]) {
  return startListening('serve', /^Serving \S+ on (http:\/\/\S+) — Ctrl-C to stop$/m, cwd, env, args);
}
