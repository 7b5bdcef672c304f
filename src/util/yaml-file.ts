import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, type Problem } from './problems';

/**
 * Reads an editor's YAML file keeping positions, so every later check can point at `file:line:col`.
 * Syntax errors, duplicate keys and alias bombs come back as problems, never as exceptions.
 */

/** Aliases beyond this are an "billion laughs" expansion, not a newsletter. */
const MAX_ALIAS_COUNT = 100;

export interface YamlFile {
  file: string;
  /** The plain data, or undefined when the file could not be read as YAML. */
  data: unknown;
  problems: Problem[];
  /** Position of the value at `path` (or of its key, with `key: true`); falls back to the nearest parent. */
  locate(path: readonly PropertyKey[], opts?: { key?: boolean }): { line: number; col: number };
}

export function parseYamlFile(file: string, source: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const locate = (path: readonly PropertyKey[], opts: { key?: boolean } = {}) => locateIn(doc, path, opts, at);
  const problems: Problem[] = [];

  for (const err of doc.errors) {
    // An unclosed quote is reported where the file ends; point at the quote that was opened instead.
    const quote = err.code === 'MISSING_CHAR' && /quote/.test(err.message) ? source.lastIndexOf(err.message.includes('"quote') ? '"' : "'", err.pos[0]) : -1;
    const { line, col } = at(quote >= 0 ? quote : err.pos[0]);
    const key = /^[^:\n]*/.exec(source.slice(err.pos[0]))?.[0].trim().replace(/^["']|["']$/g, '');
    problems.push({ severity: 'error', file, line, col, path: '', ...describeYamlError(err.code, err.message, key) });
  }
  if (problems.length > 0) return { file, data: undefined, problems, locate };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    problems.push({
      severity: 'error',
      file,
      line: 1,
      col: 1,
      path: '',
      message: `too many YAML aliases (more than ${MAX_ALIAS_COUNT}); the file expands to far more than it shows`,
      hint: 'write the values out instead of using *aliases',
    });
    return { file, data: undefined, problems, locate };
  }
  if (data === null || data === undefined) {
    problems.push({ severity: 'error', file, line: 1, col: 1, path: '', message: 'the file is empty' });
  } else if (typeof data !== 'object' || Array.isArray(data)) {
    problems.push({
      severity: 'error',
      file,
      line: 1,
      col: 1,
      path: '',
      message: 'this is not a YAML mapping of fields (`key: value` lines)',
      hint: 'start from `newsletter new` or issues/2021-03-22.yaml',
    });
  }
  return { file, data: problems.length ? undefined : data, problems, locate };
}

function describeYamlError(code: string, message: string, key?: string): { message: string; hint?: string } {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') {
    return { message: `${key ? `"${key}"` : 'this key'} appears twice in the same block`, hint: 'remove or rename one of them' };
  }
  if (code === 'TAB_AS_INDENT') return { message: 'tabs cannot indent YAML', hint: 'indent with spaces' };
  return { message: `not valid YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}` };
}

type At = (offset: number) => { line: number; col: number };

function locateIn(doc: Document, path: readonly PropertyKey[], opts: { key?: boolean }, at: At) {
  // Walk down as far as the path exists, remembering the deepest node (and key) found.
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (!node || typeof node !== 'object' || !('items' in node)) break;
    const items = (node as { items: unknown[] }).items;
    let next: unknown;
    if (isMap(node)) {
      const pair = items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === segment);
      if (!pair || !isPair(pair)) break;
      keyNode = pair.key as Node;
      next = pair.value ?? pair.key;
    } else if (typeof segment === 'number') {
      next = items[segment];
      keyNode = undefined;
    }
    if (next === undefined || next === null) break;
    node = next;
  }
  const target = opts.key && keyNode ? keyNode : (node as Node | null);
  const offset = target && 'range' in target && target.range ? target.range[0] : 0;
  return at(offset);
}

/**
 * Runs a zod schema over the data and turns each issue into a located, readable problem.
 * Returns only the schema's problems: the file's own (syntax) problems stay in `yf.problems`.
 */
export function validateYaml<T>(yf: YamlFile, schema: z.ZodType<T>): { value?: T; problems: Problem[] } {
  if (yf.data === undefined) return { problems: [] };
  const result = schema.safeParse(yf.data);
  if (result.success) return { value: result.data, problems: [] };
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { line, col } = yf.locate([...path, key], { key: true });
        const known = knownKeys(schema, path, yf.data);
        const close = closest(key, known);
        problems.push({
          severity: 'error',
          file: yf.file,
          line,
          col,
          path: formatPath([...path, key] as (string | number)[]),
          message: `unknown field "${key}"`,
          hint: close ? `did you mean "${close}"?` : known.length ? `allowed here: ${known.join(', ')}` : undefined,
        });
      }
      continue;
    }
    const missing = valueAt(yf.data, path) === undefined;
    const parent = path.slice(0, -1);
    const { line, col } = missing ? yf.locate(parent) : yf.locate(path);
    problems.push({
      severity: 'error',
      file: yf.file,
      line,
      col,
      path: formatPath(path as (string | number)[]),
      message: missing && issue.code === 'invalid_type' ? 'is required' : issue.message,
    });
  }
  return { problems };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The keys a strict object accepts at `path`, read from the schema's JSON shape. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[], _data: unknown): string[] {
  let s: unknown = schema;
  for (const p of path) {
    s = unwrap(s);
    const def = (s as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (!def) return [];
    if (def.type === 'object' && typeof p === 'string') s = def.shape?.[p];
    else if (def.type === 'array' && typeof p === 'number') s = def.element;
    else return [];
  }
  s = unwrap(s);
  const shape = (s as { def?: { shape?: Record<string, unknown> } })?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(s: unknown): unknown {
  let cur = s as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  while (cur?.def && ['optional', 'nullable', 'default', 'pipe', 'readonly'].includes(cur.def.type ?? '')) {
    cur = (cur.def.type === 'pipe' ? cur.def.in : cur.def.innerType) as typeof cur;
  }
  return cur;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
