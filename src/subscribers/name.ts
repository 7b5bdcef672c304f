/** Names are shown in lists and used as display names in To: headers; beyond this they are noise. */
export const MAX_NAME_LENGTH = 200;

export type NameCheck = { ok: true; name: string | null } | { ok: false; reason: string };

/**
 * A subscriber's display name from whatever columns the file has: `name`, or first and last
 * names joined. Line breaks and runs of spaces become one space (a multi-line cell is not a
 * name); an empty result is no name.
 */
export function cleanName(full: string | undefined, first?: string, last?: string): NameCheck {
  const squash = (s: string | undefined) => (s ?? '').replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  // A leading apostrophe before = + - @ is how `subscribers export` defuses spreadsheet formulas.
  const name = (squash(full) || squash(`${squash(first)} ${squash(last)}`)).replace(/^'(?=[=+\-@])/, '');
  if (name.length > MAX_NAME_LENGTH) return { ok: false, reason: `the name is longer than ${MAX_NAME_LENGTH} characters` };
  return { ok: true, name: name || null };
}

/** Spreadsheets run a cell starting with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A name as written into an exported CSV: formulas defused with a leading apostrophe. */
export function nameForSpreadsheet(name: string | null): string {
  if (!name) return '';
  return FORMULA_START.test(name) ? `'${name}` : name;
}
