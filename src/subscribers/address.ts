import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
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
 * Characters a person cannot see or that reorder text (zero-width spaces and joiners, soft hyphens,
 * bidi controls, byte-order marks): the same mailbox typed with one of them would become a second
 * subscriber, and `a\u202Egro.elpmaxe@x` displays as something else. IDNA would silently drop some
 * of them from a domain; they are refused, never removed.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\u2028\u2029]/u;

/**
 * Characters that are legal in some quoted RFC 5322 forms but that no mailing-list member needs,
 * and that turn into header or command injection, or into two recipients, when an address is
 * pasted into a header. Checked before the syntax so the reason names the real problem.
 * The apostrophe is not among them: `o'neil@example.org` is valid and common.
 */
const DANGERS: [RegExp, string][] = [
  [/[\r\n]/, 'contains a line break'],
  [/[\u0000-\u001f\u007f]/, 'contains a control character'],
  [INVISIBLE, 'contains an invisible or text-direction character'],
  [/\s/, 'contains a space'],
  [/["`]/, 'contains a quote'],
  [/[()]/, 'contains parentheses (a comment, not part of the address)'],
  [/[,;]/, 'contains a comma or semicolon (two addresses in one field?)'],
  [/[<>]/, 'contains < or > (give the bare address, without a display name)'],
  [/[[\]\\]/, 'contains brackets or a backslash'],
];

/**
 * Trims, then accepts one plain `local@domain.tld` address or says, for a person, why not. The
 * address comes back in one spelling per mailbox: Unicode NFC (so a precomposed `ü` and `u` +
 * combining diaeresis, or a Kelvin sign and `K`, are one character), and the domain in its IDNA
 * ASCII form, lower-cased (`ana@Bücher.de` is `ana@xn--bcher-kva.de`, as it goes on the wire).
 */
export function checkAddress(raw: string): AddressCheck {
  // Copied from a web page (`mailto:ana@example.org`) or written fully qualified (`ana@example.org.`):
  // the same mailbox, in the one spelling it is stored in.
  const trimmed = raw
    .trim()
    .replace(/^mailto:/i, '')
    .replace(/(@[^@]*[^.@])\.$/, '$1');
  const fail = (reason: string): AddressCheck => ({ ok: false, reason });
  if (!trimmed) return fail('the address is empty');
  for (const [pattern, reason] of DANGERS) {
    const found = pattern.exec(trimmed);
    if (found) return fail(pattern === INVISIBLE ? `${reason} (U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}); retype the address` : reason);
  }
  const value = normalise(trimmed.normalize('NFC'));
  if (value === undefined) return fail('the domain is not a valid international domain name');
  if (value.length > MAX_ADDRESS_LENGTH) return fail(`is longer than ${MAX_ADDRESS_LENGTH} characters`);
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
 * The domain after the last @ in IDNA ASCII form (UTS #46 mapping: lower case, full-width letters
 * to ASCII, punycode for the rest); undefined when it is not a valid domain name. Other checks
 * (no @, no dot) are left to the caller, which words them better.
 */
function normalise(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  if (at < 0 || at === value.length - 1) return value;
  const domain = value.slice(at + 1);
  if (!domain.includes('.')) return value;
  const ascii = domainToASCII(domain);
  if (!ascii) return /^[\x00-\x7f]*$/.test(domain) ? value : undefined;
  return `${value.slice(0, at)}@${ascii}`;
}

/**
 * The key two spellings of one mailbox share: `Ana@X.org` and `ana@x.org` reach the same person
 * in practice, so they are one subscriber and one suppression.
 */
export function addressKey(address: Address): string {
  return address.toLowerCase().normalize('NFC');
}

/** For addresses typed on the command line: one clear error instead of a result to inspect. */
export function parseAddress(raw: string): Address {
  const checked = checkAddress(raw);
  if (!checked.ok) throw new UserError(`${JSON.stringify(raw)} is not a usable email address: ${checked.reason}`);
  return checked.address;
}

/**
 * A cell written as a mail program writes a recipient, `Jane Doe <jane@example.org>` or
 * `"Doe, Jane" <jane@example.org>`: the address and the name (nodemailer's RFC 5322 address
 * parser). Anything else, including a bare address, comes back as it was, without a name.
 */
export function splitNamedAddress(cell: string): { address: string; name?: string } {
  const value = cell.trim();
  if (!/<[^<>]*>$/.test(value) || value.split('<').length !== 2) return { address: cell };
  const parsed = addressparser(value);
  const one = parsed.length === 1 ? parsed[0] : undefined;
  if (!one || !('address' in one) || !one.address) return { address: cell };
  const name = one.name?.trim();
  return name ? { address: one.address, name } : { address: one.address };
}
