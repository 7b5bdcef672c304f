import fs from 'node:fs';
import path from 'node:path';
import { IssueError, UserError } from '../util/errors';
import { hasErrors, sortProblems, type Problem } from '../util/problems';
import { parseYamlFile, validateYaml } from '../util/yaml-file';
import { checkImages, type ImageCatalog } from './images';
import { lintIssue } from './lint';
import { IssueSchema, type Issue } from './schema';

export interface LoadedIssue {
  /** The file as the editor named it, used in every message. */
  file: string;
  /** `2021-03-22` for issues/2021-03-22.yaml: names the outbox folder, the send and the web version. */
  slug: string;
  issue?: Issue;
  problems: Problem[];
  /** The pictures next to the issue, read and sized (empty when the issue's folder is not known). */
  images: ImageCatalog;
}

/**
 * The validation pipeline: YAML (syntax, duplicate keys, aliases) → schema → rules and lint.
 * Every problem of the file comes back together, sorted by line; nothing throws for bad input.
 */
export function checkIssueSource(file: string, source: string, zone: string, opts: { dir?: string } = {}): LoadedIssue {
  const yf = parseYamlFile(file, source);
  const { value, problems } = validateYaml(yf, IssueSchema);
  const all = [...yf.problems, ...problems];
  let images: ImageCatalog = new Map();
  if (value) {
    all.push(...lintIssue(value, yf, zone));
    // Pictures next to the issue are found relative to its folder (`dir`); without one they are not read.
    const checked = checkImages(value, yf, opts.dir);
    all.push(...checked.problems);
    images = checked.catalog;
  }
  return { file, slug: issueSlug(file), issue: hasErrors(all) ? undefined : value, problems: sortProblems(all), images };
}

/** `file` is read; `display` (default: `file`) is the name used in messages. */
export function checkIssueFile(file: string, zone: string, display: string = file): LoadedIssue {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${display}: no such file (issues live in issues/, e.g. issues/2021-03-22.yaml)`);
    if (code === 'EISDIR') throw new UserError(`${display} is a folder; name one issue file, e.g. issues/2021-03-22.yaml`);
    throw new UserError(`${display}: cannot read it (${code ?? String(err)})`);
  }
  if (source.includes('\u0000')) {
    return {
      file: display,
      slug: issueSlug(file),
      images: new Map(),
      problems: [{ severity: 'error', file: display, line: 1, col: 1, path: '', message: 'this is a binary file, not a YAML issue' }],
    };
  }
  return checkIssueSource(display, source, zone, { dir: path.dirname(path.resolve(file)) });
}

/** Loads an issue for building or sending: errors stop here, with every one of them listed. */
export function loadIssueFile(file: string, zone: string, display: string = file): LoadedIssue & { issue: Issue } {
  const loaded = checkIssueFile(file, zone, display);
  if (!loaded.issue) throw new IssueError(loaded.problems.filter((p) => p.severity === 'error'));
  return loaded as LoadedIssue & { issue: Issue };
}

export function issueSlug(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9._-]/g, '-');
}
