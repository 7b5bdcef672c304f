import { addressKey, checkAddress, MAX_ADDRESS_LENGTH, parseAddress } from '../../src/subscribers/address';
import { UserError } from '../../src/util/errors';

describe('checkAddress', () => {
  test.each([
    ['ana@example.org', 'ana@example.org'],
    ['  Ana@Example.ORG \t', 'Ana@example.org'],
    ["kate.o'brien@example.org", "kate.o'brien@example.org"],
    ['first.last+news@mail.example.co.uk', 'first.last+news@mail.example.co.uk'],
    ['josé@example.org', 'josé@example.org'],
  ])('accepts %j as %j (trimmed; the local part keeps its case, the domain is lower-cased)', (raw, address) => {
    expect(checkAddress(raw)).toEqual({ ok: true, address });
  });

  test.each([
    ['', 'the address is empty'],
    ['   ', 'the address is empty'],
    ['ana@example.org\r\nBcc: all@example.org', 'contains a line break'],
    ['ana\n@example.org', 'contains a line break'],
    ['ana\u0007@example.org', 'contains a control character'],
    ['ana maria@example.org', 'contains a space'],
    ['"ana"@example.org', 'contains a quote'],
    ['ana(work)@example.org', 'contains parentheses (a comment, not part of the address)'],
    ['ana@example.org, ben@example.org', 'contains a space'],
    ['ana@example.org,ben@example.org', 'contains a comma or semicolon (two addresses in one field?)'],
    ['ana@example.org;ben@example.org', 'contains a comma or semicolon (two addresses in one field?)'],
    ['Ana<ana@example.org>', 'contains < or > (give the bare address, without a display name)'],
    ['-oQ/tmp@example.org', "starts with '-'"],
    ['=HYPERLINK("x")@example.org', 'contains a quote'],
    ['=cmd@example.org', "starts with '=' or '+'"],
    ['ana.example.org', 'has no @domain'],
    ['ana@@example.org', 'has more than one @'],
    ['@example.org', 'has nothing before the @'],
    ['ana@', 'has no domain after the @'],
    ['ana@localhost', 'the domain "localhost" has no dot (example.org, not example)'],
    ['ana@example..org', 'is not a valid email address'],
    ['ana@example.org..', 'is not a valid email address'],
    ['ana@.', 'is not a valid email address'],
    ['mailto:', 'the address is empty'],
    ['ana.@example.org', 'is not a valid email address'],
    ['ana@example.o', 'is not a valid email address'],
    ['ana@192.168.1.1', 'is not a valid email address'],
    [`${'a'.repeat(64)}@${Array(4).fill('b'.repeat(60)).join('.')}.org`, `is longer than ${MAX_ADDRESS_LENGTH} characters`],
  ])('rejects %j: %s', (raw, reason) => {
    expect(checkAddress(raw)).toEqual({ ok: false, reason });
  });

  test.each([
    // One mailbox, many spellings: IDNA for the domain, NFC for the whole address.
    ['ana@bücher.de', 'ana@xn--bcher-kva.de'],
    ['ana@xn--bcher-kva.de', 'ana@xn--bcher-kva.de'],
    ['ana@BÜCHER.de', 'ana@xn--bcher-kva.de'],
    ['ana@bu\u0308cher.de', 'ana@xn--bcher-kva.de'],
    ['jose\u0301@example.org', 'jos\u00e9@example.org'],
    ['\u212Aate@example.org', 'Kate@example.org'],
    ['kate@\u212Aate.org', 'kate@kate.org'],
    ['ana@ｅｘａｍｐｌｅ.org', 'ana@example.org'],
    // regression: copied from a web page, or written fully qualified, it is the same mailbox.
    ['mailto:ana@example.org', 'ana@example.org'],
    ['MailTo:Ana@EXAMPLE.org', 'Ana@example.org'],
    ['ana@example.org.', 'ana@example.org'],
    ['ana@Bücher.DE.', 'ana@xn--bcher-kva.de'],
  ])('normalises %j to %j', (raw, address) => {
    expect(checkAddress(raw)).toEqual({ ok: true, address });
  });

  test.each([
    ['ana\u200b@example.org', 'U+200B'],
    ['ana@exam\u200dple.org', 'U+200D'],
    ['\u202Eana@example.org', 'U+202E'],
    ['ana@example.org\u2066', 'U+2066'],
    ['an\u00ADa@example.org', 'U+00AD'],
    ['an\ufeffa@example.org', 'U+FEFF'],
    ['ana\u061C@example.org', 'U+061C'],
  ])('refuses %j: an invisible or text-direction character (%s)', (raw, code) => {
    expect(checkAddress(raw)).toEqual({ ok: false, reason: `contains an invisible or text-direction character (${code}); retype the address` });
  });

  test('spellings of one mailbox share one key', () => {
    const keys = ['Ana@Bücher.de', 'ana@xn--bcher-kva.de', 'ANA@bu\u0308cher.DE'].map((a) => addressKey(parseAddress(a)));
    expect(new Set(keys)).toEqual(new Set(['ana@xn--bcher-kva.de']));
  });

  test('the key is the lower-cased address: two spellings are one subscriber', () => {
    const a = parseAddress('Ana@X.org');
    const b = parseAddress('ana@x.org');
    expect(a).not.toBe(b);
    expect(addressKey(a)).toBe(addressKey(b));
  });

  test('parseAddress throws a one-line UserError naming the input and the reason', () => {
    expect(() => parseAddress('ana@localhost')).toThrow(UserError);
    expect(() => parseAddress('ana@localhost')).toThrow('"ana@localhost" is not a usable email address: the domain "localhost" has no dot');
  });
});
