/**
 * A problem found in an editor's file: where it is, which field, what is wrong, how to fix it.
 * Every check (YAML syntax, schema, lint rules) reports these, and they are printed together.
 */
export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  file: string;
  line: number;
  col: number;
  /** Field path in the document, e.g. `sections[0].events[2].start`; empty for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

/**
 * `sections[1].events[0].start`; with the document's data, the event (or, outside an event, the
 * section) is named by its title beside its index: `sections[1].events[0] ("DSA 101").start`, so
 * the editor finds it without counting. The title is not repeated when it is the field at fault.
 */
export function formatPath(path: readonly (string | number)[], data?: unknown): string {
  let out = '';
  let named = -1;
  if (data !== undefined) {
    // The innermost event (featured[i] or sections[s].events[i]); else the section.
    for (let i = 0; i < path.length; i++) {
      const [a, b] = [path[i - 1], path[i]];
      if (typeof b === 'number' && (a === 'featured' || a === 'events' || (a === 'sections' && named < 0))) named = i;
    }
    if (named >= 0 && path.length === named + 2 && path[named + 1] === 'title') named = -1;
  }
  let node: unknown = data;
  for (const [i, part] of path.entries()) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[part] : undefined;
    if (i === named) {
      const title = node !== null && typeof node === 'object' ? (node as { title?: unknown }).title : undefined;
      if (typeof title === 'string' && title.trim()) out += ` (${quoteForTerminal(title)})`;
    }
  }
  return out;
}

/** A value from the file shown in a message: quoted, shortened, with invisible characters made visible. */
export function quoteForTerminal(value: string, max = 60): string {
  const chars = [...value.trim()];
  const shown = chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : chars.join('');
  return `"${shown.replace(INVISIBLE_GLOBAL, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)}"`;
}

/**
 * Characters that must never reach a subject, a title or a terminal: C0 and C1 controls (NUL, ESC,
 * U+0085), the Unicode line and paragraph separators, and the bidirectional overrides and isolates
 * that make text read differently from what it is.
 */
export const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
/** Invisible characters and line breaks, escaped wherever a value is quoted back to the editor. */
const INVISIBLE_GLOBAL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/** The name of an invisible character, for the message that points at it. */
export function describeInvisible(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const names: Record<number, string> = {
    0x00: 'NUL', 0x1b: 'ESC', 0x7f: 'DEL', 0x85: 'NEXT LINE', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR',
    0x202a: 'LEFT-TO-RIGHT EMBEDDING', 0x202b: 'RIGHT-TO-LEFT EMBEDDING', 0x202c: 'POP DIRECTIONAL FORMATTING',
    0x202d: 'LEFT-TO-RIGHT OVERRIDE', 0x202e: 'RIGHT-TO-LEFT OVERRIDE', 0x2066: 'LEFT-TO-RIGHT ISOLATE', 0x2067: 'RIGHT-TO-LEFT ISOLATE',
    0x2068: 'FIRST STRONG ISOLATE', 0x2069: 'POP DIRECTIONAL ISOLATE', 0x200e: 'LEFT-TO-RIGHT MARK', 0x200f: 'RIGHT-TO-LEFT MARK',
    0x061c: 'ARABIC LETTER MARK', 0xfeff: 'BYTE ORDER MARK', 0x09: 'TAB',
  };
  return names[code] ? `${hex} ${names[code]}` : `${hex} (a control character)`;
}

/** `issues/2021-03-22.yaml:14:5  error  sections[0].events[2].start: … (hint)` */
export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  const field = p.path ? `${p.path}: ` : '';
  const hint = p.hint ? ` (${p.hint})` : '';
  return `${where}  ${p.severity}  ${field}${p.message}${hint}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
