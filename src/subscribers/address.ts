import isEmail from 'validator/lib/isEmail';
import { UserError } from '../util/errors';

/**
 * A subscriber's address, checked once where it enters the program (CSV import, command-line
 * arguments). Only `checkAddress` makes one, so the store and the sender never see an unchecked
 * string.
 */
export type Address = string & { readonly __checked: 'Address' };

export type AddressCheck = { ok: true; address: Address } | { ok: false; reason: string };

/** RFC 5321's limit on a forward path; longer addresses are refused by servers anyway. */
export const MAX_ADDRESS_LENGTH = 254;

/**
 * Characters that are legal in some quoted RFC 5322 forms but that no mailing-list member needs,
 * and that turn into header or command injection, or into two recipients, when an address is
 * pasted into a header. Checked before the syntax so the reason names the real problem.
 * The apostrophe is not among them: `o'neil@example.org` is valid and common.
 */
const DANGERS: [RegExp, string][] = [
  [/[\r\n]/, 'contains a line break'],
  [/[\u0000-\u001f\u007f]/, 'contains a control character'],
  [/\s/, 'contains a space'],
  [/["`]/, 'contains a quote'],
  [/[()]/, 'contains parentheses (a comment, not part of the address)'],
  [/[,;]/, 'contains a comma or semicolon (two addresses in one field?)'],
  [/[<>]/, 'contains < or > (give the bare address, without a display name)'],
  [/[[\]\\]/, 'contains brackets or a backslash'],
];

/** Trims, then accepts one plain `local@domain.tld` address or says, for a person, why not. */
export function checkAddress(raw: string): AddressCheck {
  const value = raw.trim();
  const fail = (reason: string): AddressCheck => ({ ok: false, reason });
  if (!value) return fail('the address is empty');
  if (value.length > MAX_ADDRESS_LENGTH) return fail(`is longer than ${MAX_ADDRESS_LENGTH} characters`);
  for (const [pattern, reason] of DANGERS) if (pattern.test(value)) return fail(reason);
  // A leading dash is read as an option by sendmail-style programs that take recipients as arguments.
  if (value.startsWith('-')) return fail("starts with '-'");
  // Spreadsheets run a cell starting with = or + as a formula when an exported list is opened.
  if (/^[=+]/.test(value)) return fail("starts with '=' or '+'");
  const at = value.lastIndexOf('@');
  if (at < 0) return fail('has no @domain');
  if (value.indexOf('@') !== at) return fail('has more than one @');
  if (at === 0) return fail('has nothing before the @');
  const domain = value.slice(at + 1);
  if (!domain) return fail('has no domain after the @');
  if (!domain.includes('.')) return fail(`the domain "${domain}" has no dot (example.org, not example)`);
  // validator's RFC 5322 check: dots in the right places, a real top-level domain, no IP literals.
  if (!isEmail(value, { require_tld: true, allow_ip_domain: false, allow_display_name: false, allow_utf8_local_part: true })) {
    return fail('is not a valid email address');
  }
  return { ok: true, address: value as Address };
}

/**
 * The key two spellings of one mailbox share: `Ana@X.org` and `ana@x.org` reach the same person
 * in practice, so they are one subscriber and one suppression.
 */
export function addressKey(address: Address): string {
  return address.toLowerCase();
}

/** For addresses typed on the command line: one clear error instead of a result to inspect. */
export function parseAddress(raw: string): Address {
  const checked = checkAddress(raw);
  if (!checked.ok) throw new UserError(`${JSON.stringify(raw)} is not a usable email address: ${checked.reason}`);
  return checked.address;
}
