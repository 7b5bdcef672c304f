import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { IssueError, UserError } from '../util/errors';
import { formatPath, type Problem } from '../util/problems';
import { parseYamlFile, validateYaml } from '../util/yaml-file';
import type { BounceEnv } from '../bounces/settings';
import { envLines, readEnv, type EnvSettings } from './env';
import { PublicationSchema, type Publication } from './schema';

export type { Engine, Publication } from './schema';
export type { EnvSettings } from './env';

export interface Config {
  /** The project folder: newsletter.yaml, issues/, outbox/ and data/ are found from here. */
  root: string;
  publication: Publication;
  env: EnvSettings;
  /** Warnings about newsletter.yaml (a time zone abbreviation); `check` and the preview show them. */
  warnings?: Problem[];
  /** Bounce processing's .env keys (BOUNCE_ADDRESS, BOUNCE_IMAP_URL, the webhook secrets). */
  bounces: BounceEnv;
}

export const CONFIG_FILE = 'newsletter.yaml';

/**
 * newsletter.yaml + .env → a typed Config. Values already in the process environment win over
 * .env (so cron and systemd can set them); nothing is written back into process.env.
 */
export function loadConfig(root: string, env: Record<string, string | undefined> = process.env): Config {
  const { publication, warnings } = readPublication(root);
  const dotenvFile = path.join(root, '.env');
  const source = fs.existsSync(dotenvFile) ? fs.readFileSync(dotenvFile, 'utf8') : '';
  const fromFile = dotenv.parse(source);
  const display = path.relative(process.cwd(), dotenvFile) || '.env';
  const origins = envLines(source, display);
  const fromEnv = definedOnly(env);
  for (const key of Object.keys(fromEnv)) delete origins[key];
  const merged = { ...fromFile, ...fromEnv };
  const settings = readEnv(root, merged, origins);
  return { root, publication, env: settings, bounces: settings.bounces, warnings };
}

export function loadPublication(root: string): Publication {
  return readPublication(root).publication;
}

/** Zone abbreviations luxon accepts, and the IANA zone an editor most likely meant. */
const ZONE_ABBREVIATIONS: Record<string, string> = {
  EST: 'America/New_York', EDT: 'America/New_York', EST5EDT: 'America/New_York',
  CST: 'America/Chicago', CDT: 'America/Chicago', CST6CDT: 'America/Chicago',
  MST: 'America/Denver (or America/Phoenix, which has no daylight saving time)', MDT: 'America/Denver', MST7MDT: 'America/Denver',
  PST: 'America/Los_Angeles', PDT: 'America/Los_Angeles', PST8PDT: 'America/Los_Angeles',
  HST: 'Pacific/Honolulu', AKST: 'America/Anchorage',
  CET: 'Europe/Paris (or your city: Europe/Berlin, Europe/Madrid, …)', CEST: 'Europe/Paris', MET: 'Europe/Paris',
  EET: 'Europe/Athens (or your city)', WET: 'Europe/Lisbon', BST: 'Europe/London',
};

/**
 * `timezone: EST` is a fixed offset: events in summer would be an hour off. The abbreviation is
 * accepted (it is a valid zone), with a warning naming the IANA zone to use.
 */
export function lintPublication(publication: Publication, yf: { file: string; locate(path: readonly PropertyKey[]): { line: number; col: number } }): Problem[] {
  const zone = publication.timezone;
  if (zone.includes('/') || /^(UTC|GMT|Z|Etc\b)/i.test(zone)) return [];
  const suggestion = ZONE_ABBREVIATIONS[zone.toUpperCase()];
  const { line, col } = yf.locate(['timezone']);
  return [
    {
      severity: 'warning',
      file: yf.file,
      line,
      col,
      path: formatPath(['timezone']),
      message: `${zone} is an abbreviation, not a place: it does not follow daylight saving time the way your events do`,
      hint: suggestion ? `use the IANA name, e.g. timezone: ${suggestion}` : 'use an IANA name such as America/New_York or Europe/Paris',
    },
  ];
}

function readPublication(root: string): { publication: Publication; warnings: Problem[] } {
  const file = path.join(root, CONFIG_FILE);
  if (!fs.existsSync(file)) {
    throw new UserError(`${CONFIG_FILE} not found in ${root}: run newsletter from the project folder`);
  }
  const yf = parseYamlFile(path.relative(process.cwd(), file) || CONFIG_FILE, fs.readFileSync(file, 'utf8'));
  const { value, problems } = validateYaml(yf, PublicationSchema);
  if (!value) throw new IssueError([...yf.problems, ...problems]);
  return { publication: value, warnings: lintPublication(value, yf) };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
