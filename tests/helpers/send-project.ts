import fs from 'node:fs';
import path from 'node:path';
import { makeProject, runCli } from './cli';

// 32 random bytes: send refuses guessable secrets.
export const SECRET = 'k1:-Lqwt9zGq0ICj0TYgSdVjGp1IhPe9sCAnLFDHwnEpfA';

export interface SendProject {
  dir: string;
  env: Record<string, string>;
  addresses: string[];
}

/**
 * A temp project with `count` subscribers imported into a real SQLite file, and send settings fit
 * for tests: fast retries, a high rate, two connections.
 */
export async function makeSendProject(count: number, opts: { smtpUrl?: string; send?: string; env?: Record<string, string> } = {}): Promise<SendProject> {
  const addresses = Array.from({ length: count }, (_, i) => `member${String(i + 1).padStart(4, '0')}@example.org`);
  const csv = ['email,name', ...addresses.map((a, i) => `${a},Member ${i + 1}`)].join('\n') + '\n';
  const dir = makeProject({ 'members.csv': csv });
  const yaml = fs.readFileSync(path.join(dir, 'newsletter.yaml'), 'utf8');
  const send = opts.send ?? '{ rate_per_second: 1000, connections: 2, max_errors: 50, stale_after_hours: 6, max_attempts: 4, retry_delay_seconds: 0.05 }';
  fs.writeFileSync(path.join(dir, 'newsletter.yaml'), yaml.replace(/^send: .*$/m, `send: ${send}`));
  const env: Record<string, string> = { DATABASE_PATH: path.join(dir, 'data', 'test.db'), UNSUBSCRIBE_SECRET: SECRET };
  if (opts.smtpUrl) env.SMTP_URL = opts.smtpUrl;
  Object.assign(env, opts.env);
  const imported = await runCli(['subscribers', 'import', 'members.csv'], { cwd: dir, env });
  if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
  return { dir, env, addresses };
}

/** `newsletter send` in process, on the real clock (child processes in the same test use it too). */
export function send(project: SendProject, args: string[] = [], env: Record<string, string> = {}) {
  return runCli(['send', 'issues/2021-03-22.yaml', '--yes', ...args], { cwd: project.dir, env: { ...project.env, ...env }, now: new Date() });
}
