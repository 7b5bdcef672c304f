import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';
import { generatedCsv, storeProject } from './helpers';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'subscribers.csv');
const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'csv');

describe('subscribers import', () => {
  test('imports the example list, and importing it again changes nothing', async () => {
    const p = storeProject();
    const first = await p.cli('subscribers', 'import', EXAMPLE);
    expect(first.stderr).toContain('importing');
    expect(first.stdout).toContain('12 added, 0 updated, 0 unchanged, 0 rejected, 0 suppressed (12 rows)');
    expect(first.code).toBe(0);
    const after = p.contents();
    expect(after.subscribers).toHaveLength(12);
    expect(after.subscribers).toContainEqual({ email: 'kate.obrien@example.org', email_key: 'kate.obrien@example.org', name: "Kate O'Brien", status: 'active' });

    const again = await p.cli('subscribers', 'import', EXAMPLE);
    expect(again.stdout).toContain('0 added, 0 updated, 12 unchanged, 0 rejected, 0 suppressed (12 rows)');
    expect(p.contents()).toEqual(after);

    const count = await p.cli('subscribers', 'count');
    expect(count.stdout).toBe('active: 12\nunsubscribed: 0\nsuppressed: 0\n  bounced: 0\n  complained: 0\n');
  });

  test('one subscriber per address compared case-insensitively; the first spelling is kept', async () => {
    const p = storeProject();
    p.write('a.csv', 'email,name\nAna@X.org,Ana\n');
    p.write('b.csv', 'email,name\nana@x.ORG,Ana\n');
    await p.cli('subscribers', 'import', 'a.csv');
    const r = await p.cli('subscribers', 'import', 'b.csv');
    expect(r.stdout).toContain('0 added, 0 updated, 1 unchanged');
    // The domain is lower-cased (IDNA); the local part keeps the spelling first imported.
    expect(p.contents().subscribers).toEqual([{ email: 'Ana@x.org', email_key: 'ana@x.org', name: 'Ana', status: 'active' }]);
  });

  test('a different name updates the subscriber; an empty name never erases one', async () => {
    const p = storeProject();
    p.write('v1.csv', 'email,name\nana@x.org,Ana\nben@x.org,Ben\n');
    p.write('v2.csv', 'email,name\nana@x.org,Ana María\nben@x.org,\n');
    await p.cli('subscribers', 'import', 'v1.csv');
    const r = await p.cli('subscribers', 'import', 'v2.csv');
    expect(r.stdout).toContain('0 added, 1 updated, 1 unchanged, 0 rejected, 0 suppressed (2 rows)');
    expect(p.contents().subscribers.map((s) => s.name)).toEqual(['Ana María', 'Ben']);
  });

  test('duplicates within a file are merged: the first name wins, a later one only fills a missing name', async () => {
    const p = storeProject();
    p.write('dups.csv', ['email,name', 'ana@x.org,Ana', 'ANA@x.org,Anita', 'ben@x.org,', 'ben@x.org,Ben', 'ben@X.org,Benjamin'].join('\n'));
    const r = await p.cli('subscribers', 'import', 'dups.csv');
    expect(r.stdout).toContain('2 added, 0 updated, 0 unchanged, 0 rejected, 0 suppressed (5 rows; 3 duplicates merged)');
    expect(p.contents().subscribers.map((s) => [s.email, s.name])).toEqual([
      ['ana@x.org', 'Ana'],
      ['ben@x.org', 'Ben'],
    ]);
    // Importing the same file again is idempotent: nothing changes.
    const again = await p.cli('subscribers', 'import', 'dups.csv');
    expect(again.stdout).toContain('0 added, 0 updated, 2 unchanged, 0 rejected, 0 suppressed (5 rows; 3 duplicates merged)');
  });

  test('a row with status "unsubscribed" imports as a suppression, and unsubscribes a known subscriber', async () => {
    const p = storeProject();
    p.write('list.csv', 'email,name\nana@x.org,Ana\n');
    await p.cli('subscribers', 'import', 'list.csv');
    p.write('status.csv', 'Email,Name,Status\nana@x.org,Ana,unsubscribed\ncleo@x.org,Cleo,Unsubscribed\ndan@x.org,Dan,subscribed\n');
    const r = await p.cli('subscribers', 'import', 'status.csv');
    expect(r.stdout).toContain('1 added, 0 updated, 0 unchanged, 0 rejected, 2 suppressed (3 rows)');
    const c = p.contents();
    expect(c.suppressions).toEqual([
      { address: 'ana@x.org', reason: 'unsubscribed', detail: 'imported from status.csv:2' },
      { address: 'cleo@x.org', reason: 'unsubscribed', detail: 'imported from status.csv:3' },
    ]);
    expect(c.subscribers.map((s) => [s.email, s.status])).toEqual([
      ['ana@x.org', 'unsubscribed'],
      ['dan@x.org', 'active'],
    ]);
  });

  test('a suppressed address is never re-subscribed by a later import', async () => {
    const p = storeProject();
    p.write('list.csv', 'email,name\nana@x.org,Ana\nben@x.org,Ben\n');
    await p.cli('subscribers', 'import', 'list.csv');
    expect((await p.cli('subscribers', 'suppress', 'ANA@x.org', '--reason', 'complained')).code).toBe(0);
    expect((await p.cli('subscribers', 'suppress', 'zoe@x.org')).code).toBe(0);

    p.write('again.csv', 'email,name,status\nana@x.org,Ana,active\nzoe@x.org,Zoe,\nben@x.org,Ben,active\n');
    const r = await p.cli('subscribers', 'import', 'again.csv');
    expect(r.stdout).toContain('0 added, 0 updated, 1 unchanged, 0 rejected, 2 suppressed (3 rows)');
    const c = p.contents();
    expect(c.subscribers.map((s) => [s.email, s.status])).toEqual([
      ['ana@x.org', 'unsubscribed'],
      ['ben@x.org', 'active'],
    ]);
    expect(c.suppressions.map((s) => [s.address, s.reason])).toEqual([
      ['ana@x.org', 'complained'],
      ['zoe@x.org', 'manual'],
    ]);
  });

  test('every kind of bad row is rejected with its line number and reason; the good rows are imported', async () => {
    const rows: [string, string | null][] = [
      // [CSV line after the header, expected rejection reason or null when accepted]
      ['ok1@example.org,Good One', null],
      [',No Email', 'no email address'],
      ['   ,Only Spaces', 'no email address'],
      ['"ana@example.org\r\nBcc: x@evil.example",Header Injection', 'contains a line break'],
      ['"ana maria@example.org",Space', 'contains a space'],
      ['"""ana""@example.org",Quotes', 'contains a quote'],
      ['ana(home)@example.org,Comment', 'contains parentheses (a comment, not part of the address)'],
      ['"ana@example.org,ben@example.org",Two', 'contains a comma or semicolon (two addresses in one field?)'],
      // A display name around the address is how mail programs write a recipient: accepted.
      ['Ana <ana.named@example.org>,Display Name', null],
      ['<angle@example.org>,Angle', null],
      ['Ana <ana@example.org> <ben@example.org>,Two Angles', 'contains a space'],
      ['ana<ana@example.org>x,Angle Inside', 'contains < or > (give the bare address, without a display name)'],
      ['-f@example.org,Option', "starts with '-'"],
      ['ana.example.org,No At', 'has no @domain'],
      ['ana@,No Domain', 'has no domain after the @'],
      ['ana@localhost,No Dot', 'the domain "localhost" has no dot (example.org, not example)'],
      ['ana@@example.org,Two Ats', 'has more than one @'],
      ['ana..b@example.org,Dots', 'is not a valid email address'],
      [`${'a'.repeat(250)}@example.org,Long`, 'is longer than 254 characters'],
      ['"ok2@example.org","Multi\r\nLine Name"', null],
      [`long-name@example.org,${'N'.repeat(201)}`, 'the name is longer than 200 characters'],
      ['ok3@example.org,Good Three', null],
    ];
    const p = storeProject();
    // CRLF line ends and a quoted multi-line cell: line numbers must still be the file's.
    p.write('bad.csv', ['email,name,status', ...rows.map(([r]) => r)].join('\r\n') + '\r\n');
    const r = await p.cli('subscribers', 'import', 'bad.csv');
    expect(r.code).toBe(0);

    // Each row starts on the line after the previous one ends (the multi-line cell takes two).
    const expected: { line: number; reason: string }[] = [];
    let line = 2;
    for (const [text, reason] of rows) {
      if (reason) expected.push({ line, reason });
      line += text.split('\r\n').length;
    }
    const rejections = r.stderr.split('\n').filter((l) => l.includes(': rejected '));
    expect(rejections.map((l) => {
      const m = /^bad\.csv:(\d+): rejected ".*": (.*)$/.exec(l);
      return m && { line: Number(m[1]), reason: m[2] };
    })).toEqual(expected);
    // The rejected value is shown escaped, so a line break cannot forge output.
    expect(r.stderr).toContain('bad.csv:5: rejected "ana@example.org\\nBcc: x@evil.example": contains a line break');
    expect(r.stdout).toContain('5 added, 0 updated, 0 unchanged, 17 rejected, 0 suppressed (22 rows)');
    expect(p.contents().subscribers.map((s) => [s.email, s.name])).toEqual([
      ['ana.named@example.org', 'Display Name'],
      ['angle@example.org', 'Angle'],
      ['ok1@example.org', 'Good One'],
      ['ok2@example.org', 'Multi Line Name'],
      ['ok3@example.org', 'Good Three'],
    ]);
  });

  describe('formats', () => {
    test('BOM, CRLF, ";" detected from the header, quoted fields, loose header names', async () => {
      const p = storeProject();
      const csv = '\ufeffE-mail Address;First Name;Last Name;Status\r\n"ana@x.org";"Ana; María";"Pérez ""La Roja"""\r\nben@x.org;Ben;;active\r\n';
      p.write('excel.csv', csv);
      const r = await p.cli('subscribers', 'import', 'excel.csv');
      expect(r.stdout).toContain('2 added');
      expect(p.contents().subscribers.map((s) => [s.email, s.name])).toEqual([
        ['ana@x.org', 'Ana; María Pérez "La Roja"'],
        ['ben@x.org', 'Ben'],
      ]);
    });

    test.each([
      ['Email,Name', 'ana@x.org,Ana Pérez'],
      ['email_address,first_name,last_name', 'ana@x.org,Ana,Pérez'],
      ['EMAIL ADDRESS,FIRST NAME,LAST NAME', 'ana@x.org,Ana,Pérez'],
      ['Name,Phone,e-mail', 'Ana Pérez,555,ana@x.org'],
      ['Given Name,Surname,Mail', 'Ana,Pérez,ana@x.org'],
    ])('header %j is understood', async (header, row) => {
      const p = storeProject();
      p.write('h.csv', `${header}\n${row}\n`);
      const r = await p.cli('subscribers', 'import', 'h.csv');
      expect(r.code).toBe(0);
      expect(p.contents().subscribers.map((s) => [s.email, s.name])).toEqual([['ana@x.org', 'Ana Pérez']]);
    });

    test('--delimiter overrides detection (tab, and ";" when the header is ambiguous)', async () => {
      const p = storeProject();
      p.write('tab.tsv', 'email\tname\nana@x.org\tAna, Jr.\n');
      expect((await p.cli('subscribers', 'import', 'tab.tsv', '--delimiter', 'tab')).code).toBe(0);
      // As many commas as semicolons in the header: detection picks ",", which is wrong here.
      p.write('semi.csv', 'name;email;"notes, misc, other"\nBen;ben@x.org;x\n');
      const wrong = await p.cli('subscribers', 'import', 'semi.csv');
      expect(wrong.code).toBe(1);
      const right = await p.cli('subscribers', 'import', 'semi.csv', '--delimiter', ';');
      expect(right.code).toBe(0);
      expect(p.contents().subscribers.map((s) => [s.email, s.name])).toEqual([
        ['ana@x.org', 'Ana, Jr.'],
        ['ben@x.org', 'Ben'],
      ]);
    });

    test('an unknown --delimiter is a usage error', async () => {
      const p = storeProject();
      p.write('a.csv', 'email\nana@x.org\n');
      const r = await p.cli('subscribers', 'import', 'a.csv', '--delimiter', '|');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--delimiter must be "," ";" or "tab", not "|"');
    });

    test('a Mailchimp-style export fixture with extra columns', async () => {
      const p = storeProject();
      const r = await p.cli('subscribers', 'import', path.join(FIXTURES, 'mailchimp-export.csv'));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('2 added, 0 updated, 0 unchanged, 1 rejected, 1 suppressed (4 rows)');
      expect(r.stderr).toMatch(/mailchimp-export\.csv:4: rejected "not an address": contains a space/);
    });
  });

  describe('files that cannot be imported: a clear error and nothing written', () => {
    async function withExistingList() {
      const p = storeProject();
      p.write('list.csv', 'email,name\nana@x.org,Ana\n');
      await p.cli('subscribers', 'import', 'list.csv');
      return { p, before: p.contents() };
    }

    test('a missing email column names the headers found', async () => {
      const { p, before } = await withExistingList();
      p.write('no-email.csv', 'Name,Phone\nBen,555-0100\n');
      const r = await p.cli('subscribers', 'import', 'no-email.csv');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no-email.csv:1: no email column; the header has "Name", "Phone"');
      expect(r.stderr).toContain('nothing was imported');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(p.contents()).toEqual(before);
    });

    test.each([
      ['page.html', '<!DOCTYPE html>\n<html><body>email,name</body></html>\n', 'is not a CSV file (it looks like HTML or XML)'],
      ['list.json', '[{"email": "ben@x.org"}]\n', 'is not a CSV file (it looks like JSON)'],
      ['list.xlsx', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64, 7)]), 'is not a CSV file (it looks like a spreadsheet or zip archive, such as .xlsx)'],
      ['random.bin', Buffer.from([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0x00, 0xff, 0x13, 0x00]), 'is not a CSV file (it contains binary data)'],
      ['bad-utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\n', 'utf16le'), Buffer.from([0x00, 0xd8, 0x41, 0x00])]), 'is not a CSV file (it is not valid UTF-16 text; save it as "CSV UTF-8")'],
      ['empty.csv', '', 'the file is empty; expected a header line such as "email,name"'],
      ['bom-only.csv', '\ufeff\r\n\r\n', 'the file is empty; expected a header line such as "email,name"'],
      ['header-only.csv', 'email,name\r\n', 'has a header line but no subscriber rows; nothing to import'],
      ['unclosed.csv', 'email,name\nben@x.org,Ben\n"cleo@x.org,Cleo\ndan@x.org,Dan\n', 'unclosed.csv:3: not valid CSV (delimiter ","): a quoted field that starts on or after this line is never closed; nothing was imported'],
      ['bad-quote.csv', 'email,name\nben@x.org,"Ben" Smith\n', 'bad-quote.csv:2: not valid CSV'],
      // Regression: a closed quoted field over the row limit was reported as "never closed".
      ['long-field.csv', `email,name,notes\nben@x.org,Ben,"${'x'.repeat(70 * 1024)}"\ncleo@x.org,Cleo,ok\n`, "long-field.csv:2: a row starting on or after this line is longer than 64 KB, far more than a subscriber's: a field that long, or a quoted field that is never closed; nothing was imported"],
    ])('%s', async (name, content, message) => {
      const { p, before } = await withExistingList();
      p.write(name, content);
      const r = await p.cli('subscribers', 'import', name);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(p.contents()).toEqual(before);
    });

    test('a file that does not exist', async () => {
      const p = storeProject();
      const r = await p.cli('subscribers', 'import', 'nope.csv');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('nope.csv: no such file\n');
    });
  });

  test('100,000 generated rows import in one streamed pass', async () => {
    const p = storeProject();
    const n = 100_000;
    p.write('big.csv', generatedCsv(n));
    const r = await p.cli('subscribers', 'import', 'big.csv');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`big.csv: ${n} added, 0 updated, 0 unchanged, 0 rejected, 0 suppressed (${n} rows)`);
    expect(r.stderr).toContain('importing big.csv: 100,000 rows…');
    expect((await p.cli('subscribers', 'count')).stdout).toContain(`active: ${n}\n`);
    fs.rmSync(p.dir, { recursive: true, force: true });
  });
});
