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

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
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
