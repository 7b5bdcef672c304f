import fs from 'node:fs';
import path from 'node:path';
import { IssueError, UserError } from '../util/errors';
import { hasErrors, sortProblems, type Problem } from '../util/problems';
import { parseYamlFile, validateYaml, type YamlFile } from '../util/yaml-file';
import { checkImages, type ImageCatalog } from './images';
import { lintIssue, type LintOptions } from './lint';
import { IssueSchema, type Issue } from './schema';

export interface LoadedIssue {
  /** The file as the editor named it, used in every message. */
  file: string;
  /** `2021-03-22` for issues/2021-03-22.yaml: names the outbox folder, the send and the web version. */
  slug: string;
  issue?: Issue;
  problems: Problem[];
  /** The pictures next to the issue, read and sized (empty when the issue's folder is not known). */
  images?: ImageCatalog;
  /** Where a field is in the file, for rules run after loading (see issue/repeat.ts). */
  locate?: YamlFile['locate'];
}

/**
 * The validation pipeline: YAML (syntax, duplicate keys, aliases) → schema → rules and lint.
 * Every problem of the file comes back together, sorted by line; nothing throws for bad input.
 */
export function checkIssueSource(file: string, source: string, zone: string, opts: LintOptions & { dir?: string } = {}): LoadedIssue {
  const slug = issueSlug(file);
  if (!isUsableSlug(slug)) {
    const problem: Problem = { severity: 'error', file, line: 1, col: 1, path: '', message: `the file name ${JSON.stringify(path.basename(file))} does not name an issue`, hint: 'name it for its week, e.g. issues/2021-03-29.yaml' };
    return { file, slug, problems: [problem], images: new Map() };
  }
  const yf = parseYamlFile(file, source);
  const { value, problems } = validateYaml(yf, IssueSchema);
  const all = [...yf.problems, ...problems];
  let images: ImageCatalog = new Map();
  if (value) {
    all.push(...lintIssue(value, yf, zone, opts));
    // Pictures next to the issue are found relative to its folder (`dir`); without one they are not read.
    const checked = checkImages(value, yf, opts.dir);
    all.push(...checked.problems);
    images = checked.catalog;
  }
  return { file, slug, issue: hasErrors(all) ? undefined : value, problems: sortProblems(all), locate: yf.locate, images };
}

/**
 * Issue files larger than this are refused before they are parsed: a weekly email is a few
 * kilobytes of YAML (the seed is 5 KB), and a 50 MB file would take over a gigabyte to render.
 */
export const MAX_ISSUE_BYTES = 512 * 1024;

/** `file` is read; `display` (default: `file`) is the name used in messages. */
export function checkIssueFile(file: string, zone: string, display: string = file, opts: LintOptions = {}): LoadedIssue {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_ISSUE_BYTES) {
      return { file: display, slug: issueSlug(file), problems: [{ severity: 'error', file: display, line: 1, col: 1, path: '', message: `the file is ${(size / 1024 / 1024).toFixed(1)} MB; an issue may be at most ${MAX_ISSUE_BYTES / 1024} KB`, hint: 'is this the right file? An issue is a few kilobytes' }] };
    }
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${display}: no such file (issues live in issues/, e.g. issues/2021-03-22.yaml)`);
    if (code === 'EISDIR') throw new UserError(`${display} is a folder; name one issue file, e.g. issues/2021-03-22.yaml`);
    throw new UserError(`${display}: cannot read it (${code ?? String(err)})`);
  }
  if (bytes.includes(0)) {
    return {
      file: display,
      slug: issueSlug(file),
      images: new Map(),
      problems: [{ severity: 'error', file: display, line: 1, col: 1, path: '', message: 'this is a binary file, not a YAML issue' }],
    };
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    return {
      file: display,
      slug: issueSlug(file),
      problems: [{ severity: 'error', file: display, line: decoded.line, col: decoded.col, path: '', message: `this line is not valid UTF-8 text (byte 0x${decoded.byte.toString(16).toUpperCase()})`, hint: 'save the file as UTF-8 in your editor, then retype the character here' }],
    };
  }
  return checkIssueSource(display, decoded.text, zone, { ...opts, dir: path.dirname(path.resolve(file)) });
}

/** UTF-8 strictly: a file saved as Latin-1 ("café" as 0xE9) is reported where it goes wrong, not silently replaced. */
function decodeUtf8(bytes: Buffer): { ok: true; text: string } | { ok: false; line: number; col: number; byte: number } {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const bad = firstBadUtf8Byte(bytes);
    const before = bytes.subarray(0, bad).toString('utf8');
    const lines = before.split(/\r\n|\r|\n/);
    return { ok: false, line: lines.length, col: [...lines[lines.length - 1]!].length + 1, byte: bytes[bad] ?? 0 };
  }
}

/** Where a byte sequence stops being UTF-8: a lead byte without its continuation bytes, or a stray one. */
function firstBadUtf8Byte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return 0;
}

/** Loads an issue for building or sending: errors stop here, with every one of them listed. */
export function loadIssueFile(file: string, zone: string, display: string = file, opts: LintOptions = {}): LoadedIssue & { issue: Issue } {
  const loaded = checkIssueFile(file, zone, display, opts);
  if (!loaded.issue) throw new IssueError(loaded.problems.filter((p) => p.severity === 'error'));
  return loaded as LoadedIssue & { issue: Issue };
}

export function issueSlug(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * The slug names folders (dist/<slug>, outbox/<slug>) and URLs: "." or ".." (from "..yaml") would
 * put them in the project folder or above it, and an empty one has no name at all.
 */
export function isUsableSlug(slug: string): boolean {
  return slug.length > 0 && !/^\.+$/.test(slug);
}
