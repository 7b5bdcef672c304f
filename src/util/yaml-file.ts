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
  /** The text as parsed (line breaks normalised), when it was read. */
  source?: string;
}

export function parseYamlFile(file: string, source: string): YamlFile {
  // Old Mac files end lines with a lone CR, which YAML does not count as a line break (the whole
  // file would read as one comment, "empty"). One character for one, so positions do not move.
  source = source.replace(/\r(?!\n)/g, '\n');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const locate = (path: readonly PropertyKey[], opts: { key?: boolean } = {}) => locateIn(doc, path, opts, at);
  const lines = source.split('\n');
  const problems: Problem[] = [];
  const seenLines = new Set<number>();
  const add = (offset: number, described: { message: string; hint?: string }, col?: number) => {
    const pos = at(offset);
    // One message per line: a parser error often comes with echoes of itself on the same line.
    if (seenLines.has(pos.line)) return;
    seenLines.add(pos.line);
    problems.push({ severity: 'error', file, line: pos.line, col: col ?? pos.col, path: '', ...described });
  };

  // A tab in the indentation throws the parser off for the rest of the block: the lines after it
  // would each get a message about mappings. Report the tabs alone; fixing them fixes the rest.
  const tabs = doc.errors.filter((e) => e.code === 'TAB_AS_INDENT');
  for (const err of tabs.length ? tabs : doc.errors) {
    let line = at(err.pos[0]).line;
    // An unclosed { or [ is reported where the parser gave up: look back at the lines before.
    for (let back = line - 1; /^Flow (map|sequence)/.test(err.message) && back >= Math.max(1, line - 5); back--) {
      if (needsQuotes(lines[back - 1] ?? '')) line = back;
    }
    const lineText = lines[line - 1] ?? '';
    const quoting = needsQuotes(lineText);
    if (quoting) {
      add(lineCounter.lineStarts[line - 1] ?? err.pos[0], quoting.described, quoting.col);
      continue;
    }
    // An unclosed quote is reported where the file ends; point at the quote that was opened instead.
    const quote = err.code === 'MISSING_CHAR' && /quote/.test(err.message) ? source.lastIndexOf(err.message.includes('"quote') ? '"' : "'", err.pos[0]) : -1;
    const key = /^[^:\n]*/.exec(source.slice(err.pos[0]))?.[0].trim().replace(/^["']|["']$/g, '');
    add(quote >= 0 ? quote : err.pos[0], describeYamlError(err.code, err.message, key));
  }
  // `title: !important` is read as an unknown tag and an empty value, without an error.
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const lineText = lines[at(warning.pos[0]).line - 1] ?? '';
    const quoting = needsQuotes(lineText);
    add(warning.pos[0], quoting?.described ?? { message: `YAML reads "${lineText.trim()}" as a type tag (the "!")`, hint: 'put the value in quotes' }, quoting?.col);
  }
  if (problems.length > 0) return { file, data: undefined, problems: problems.sort((a, b) => a.line - b.line), locate };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const alias = /Unresolved alias[^:]*: (.*)$/.exec(err instanceof Error ? err.message : '')?.[1];
    if (alias !== undefined) {
      // `title: *bold* news`: the star makes an alias to an anchor that does not exist.
      const offset = Math.max(0, source.indexOf(`*${alias}`));
      const lineText = lines[at(offset).line - 1] ?? '';
      const quoting = needsQuotes(lineText);
      add(offset, quoting?.described ?? { message: `"*${alias}" reads as a YAML alias, and no "&${alias}" is defined`, hint: 'put the value in quotes' }, quoting?.col);
      return { file, data: undefined, problems, locate };
    }
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
  return { file, data: problems.length ? undefined : data, problems, locate, source };
}

/** Characters that YAML reads specially at the start of a plain value. */
const SPECIAL_START: Record<string, string> = {
  '*': 'an alias',
  '&': 'an anchor',
  '!': 'a type tag',
  '@': 'a reserved character',
  '`': 'a reserved character',
  '#': 'a comment',
  '%': 'a directive',
  '|': 'a block of text',
  '>': 'a block of text',
};

/**
 * The line an error is on, when it is a `key: value` line whose value needs quotes: it contains
 * ": " (read as a second key), or starts with a character YAML reads specially. The advice shows
 * the line as it should be written.
 */
function needsQuotes(lineText: string): { described: { message: string; hint: string }; col: number } | undefined {
  // `brand: { color: #C8102E }`: the # starts a comment, which cuts off the closing brace.
  const hash = /[{[,]\s*[A-Za-z_][\w-]*:\s+(#[^\s,}\]]*)|[{[,]\s+(#[^\s,}\]]*)/.exec(lineText);
  if (hash && /[{[]/.test(lineText)) {
    const value = (hash[1] ?? hash[2])!;
    return {
      described: { message: `"${value}" starts a comment in YAML, which cuts the line short`, hint: `put the value in quotes: "${value}"` },
      col: lineText.indexOf(value, hash.index) + 1,
    };
  }
  const m = /^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):[ \t]+(.*?)\s*$/.exec(lineText);
  if (!m) return undefined;
  const [, indent, key, value] = m as unknown as [string, string, string, string];
  if (!value || /^["'{[]/.test(value)) return undefined;
  const col = lineText.indexOf(value, indent.length + key.length + 1) + 1;
  const quoted = `${key}: "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const first = value[0]!;
  if (SPECIAL_START[first] && first !== '|' && first !== '>') {
    return {
      described: { message: `the value of "${key}" starts with "${first}", which YAML reads as ${SPECIAL_START[first]}`, hint: `put the value in quotes: ${quoted}` },
      col,
    };
  }
  if (/: /.test(value)) {
    return { described: { message: `the value of "${key}" contains ": ", which YAML reads as the start of another field`, hint: `put the value in quotes: ${quoted}` }, col };
  }
  return undefined;
}

function describeYamlError(code: string, message: string, key?: string): { message: string; hint?: string } {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') {
    return { message: `${key ? `"${key}"` : 'this key'} appears twice in the same block`, hint: 'remove or rename one of them' };
  }
  if (code === 'TAB_AS_INDENT') return { message: 'a tab is used to indent this line; YAML indents with spaces only', hint: 'replace the tab with spaces, lined up with the line above' };
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
          path: formatPath([...path, key] as (string | number)[], yf.data),
          message: `unknown field "${key}"`,
          hint: close ? `did you mean "${close}"?` : known.length ? `allowed here: ${known.join(', ')}` : undefined,
        });
      }
      continue;
    }
    const value = valueAt(yf.data, path);
    const missing = value === undefined;
    const parent = path.slice(0, -1);
    const { line, col } = missing ? yf.locate(parent) : yf.locate(path);
    const described = missing && issue.code === 'invalid_type' ? { message: 'is required' } : value === null ? emptyValue(yf, line, issue) : { message: editorMessage(issue) };
    problems.push({
      severity: 'error',
      file: yf.file,
      line,
      col,
      path: formatPath(path as (string | number)[], yf.data),
      ...described,
    });
  }
  return { problems };
}

/**
 * `key:` with nothing after it, or `color: #C8102E`, where the # starts a comment and leaves the
 * value empty: said as such, with the quoted line to write.
 */
function emptyValue(yf: YamlFile, line: number, issue: z.core.$ZodIssue): { message: string; hint?: string } {
  const text = yf.source?.split('\n')[line - 1] ?? '';
  const m = /^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):[ \t]+(#\S.*?)\s*$/.exec(text);
  if (m) return { message: `is empty: YAML reads a value starting with "#" as a comment`, hint: `put the value in quotes: ${m[2]}: "${m[3]}"` };
  return { message: `is empty; it ${editorMessage(issue)}` };
}

/**
 * The validator's own words ("Invalid input: expected object, received string") never reach the
 * editor: the schema gives most fields their message; anything left is said here in plain words.
 */
export function editorMessage(issue: z.core.$ZodIssue): string {
  if (!/^(Invalid|Too (small|big)|expected)/i.test(issue.message)) return issue.message;
  const kind: Record<string, string> = {
    string: 'text',
    number: 'a number, e.g. 14',
    int: 'a whole number, e.g. 5',
    boolean: 'true or false',
    object: 'a block of fields (`key: value` lines, indented under it)',
    array: 'a list (lines starting with "- ", or [a, b])',
  };
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${kind[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return 'is not valid here';
  }
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
