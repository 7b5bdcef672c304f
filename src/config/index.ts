import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { IssueError, UserError } from '../util/errors';
import { parseYamlFile, validateYaml } from '../util/yaml-file';
import { readBounceEnv, type BounceEnv } from '../bounces/settings';
import { readEnv, type EnvSettings } from './env';
import { PublicationSchema, type Publication } from './schema';

export type { Engine, Publication } from './schema';
export type { EnvSettings } from './env';

export interface Config {
  /** The project folder: newsletter.yaml, issues/, outbox/ and data/ are found from here. */
  root: string;
  publication: Publication;
  env: EnvSettings;
  /** Bounce processing's .env keys (BOUNCE_ADDRESS, BOUNCE_IMAP_URL, the webhook secrets). */
  bounces: BounceEnv;
}

export const CONFIG_FILE = 'newsletter.yaml';

/**
 * newsletter.yaml + .env → a typed Config. Values already in the process environment win over
 * .env (so cron and systemd can set them); nothing is written back into process.env.
 */
export function loadConfig(root: string, env: Record<string, string | undefined> = process.env): Config {
  const publication = loadPublication(root);
  const dotenvFile = path.join(root, '.env');
  const fromFile = fs.existsSync(dotenvFile) ? dotenv.parse(fs.readFileSync(dotenvFile)) : {};
  const merged = { ...fromFile, ...definedOnly(env) };
  return { root, publication, env: readEnv(root, merged), bounces: readBounceEnv(merged) };
}

export function loadPublication(root: string): Publication {
  const file = path.join(root, CONFIG_FILE);
  if (!fs.existsSync(file)) {
    throw new UserError(`${CONFIG_FILE} not found in ${root}: run newsletter from the project folder`);
  }
  const yf = parseYamlFile(path.relative(process.cwd(), file) || CONFIG_FILE, fs.readFileSync(file, 'utf8'));
  const { value, problems } = validateYaml(yf, PublicationSchema);
  if (!value) throw new IssueError([...yf.problems, ...problems]);
  return value;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
