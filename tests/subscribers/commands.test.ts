import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { storeProject } from './helpers';

async function withList() {
  const p = storeProject();
  p.write('list.csv', ['email,name', 'ana@x.org,Ana Álvarez', 'Ben@x.org,Ben', 'cleo@x.org,', 'dan@x.org,"=HYPERLINK(""https://evil.example"")"'].join('\n'));
  const r = await p.cli('subscribers', 'import', 'list.csv');
  expect(r.stdout).toContain('4 added');
  return p;
}

describe('subscribers list', () => {
  test('an aligned table in address order, with a total', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^email\s+name\s+status\s+added$/);
    expect(lines.slice(1, -1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['ana@x.org', 'Ana Álvarez', 'active', '2021-03-21'],
      ['Ben@x.org', 'Ben', 'active', '2021-03-21'],
      ['cleo@x.org', 'active', '2021-03-21'],
      // Long names are cut to keep the table narrow.
      ['dan@x.org', '=HYPERLINK("https://evil.exampl…', 'active', '2021-03-21'],
    ]);
    // Columns line up: every row's status starts where the header's does.
    const statusAt = lines[0]!.indexOf('status');
    for (const l of lines.slice(1, -1)) expect(l.slice(statusAt, statusAt + 6)).toBe('active');
    expect(lines.at(-1)).toBe('4 subscribers');
  });

  test('--plain prints one address per line; --status filters', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'ben@x.org');
    expect((await p.cli('subscribers', 'list', '--plain')).stdout).toBe('ana@x.org\nBen@x.org\ncleo@x.org\ndan@x.org\n');
    expect((await p.cli('subscribers', 'list', '--plain', '--status', 'active')).stdout).toBe('ana@x.org\ncleo@x.org\ndan@x.org\n');
    expect((await p.cli('subscribers', 'list', '--plain', '--status', 'unsubscribed')).stdout).toBe('Ben@x.org\n');
    const bad = await p.cli('subscribers', 'list', '--status', 'gone');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'gone' is invalid");
  });

  test('an empty store says how to add subscribers', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no subscribers yet (add some with `newsletter subscribers import <csv>`)\n');
  });

  test('lists longer than one page come out whole and in order', async () => {
    const p = storeProject();
    const n = 1234;
    p.write('many.csv', ['email', ...Array.from({ length: n }, (_, i) => `m${String(i).padStart(4, '0')}@x.org`)].join('\n'));
    await p.cli('subscribers', 'import', 'many.csv');
    const out = (await p.cli('subscribers', 'list', '--plain')).stdout.trimEnd().split('\n');
    expect(out).toHaveLength(n);
    expect(out).toEqual([...out].sort());
    expect(new Set(out).size).toBe(n);
  });
});

describe('subscribers list --status bounced|complained', () => {
  test('lists the subscribers suppressed for that reason, with it as their status', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'cleo@x.org', '--reason', 'bounced');
    await p.cli('subscribers', 'suppress', 'ana@x.org', '--reason', 'complained');
    const bounced = await p.cli('subscribers', 'list', '--status', 'bounced', '--plain');
    expect(bounced.stdout).toBe('cleo@x.org\n');
    const complained = await p.cli('subscribers', 'list', '--status', 'complained');
    expect(complained.stdout).toMatch(/^ana@x\.org\s+\S.*\s+complained\s+\d{4}-/m);
    expect(complained.stdout).not.toMatch(/cleo/);
  });
});

describe('subscribers count', () => {
  test('active, unsubscribed, and suppressed addresses (including non-subscribers)', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'cleo@x.org', '--reason', 'bounced');
    await p.cli('subscribers', 'suppress', 'stranger@x.org');
    const r = await p.cli('subscribers', 'count');
    expect(r.stdout).toBe('active: 3\nunsubscribed: 1\nsuppressed: 2\n  bounced: 1\n  complained: 0\n');
  });
});

describe('subscribers export', () => {
  test('CSV with header email,name,status on stdout; spreadsheet formulas in names are defused', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'cleo@x.org');
    const r = await p.cli('subscribers', 'export');
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toEqual([
      ['email', 'name', 'status'],
      ['ana@x.org', 'Ana Álvarez', 'active'],
      ['Ben@x.org', 'Ben', 'active'],
      ['cleo@x.org', '', 'unsubscribed'],
      ['dan@x.org', `'=HYPERLINK("https://evil.example")`, 'active'],
    ]);
  });

  test('--out writes a file that imports back unchanged', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'export', '--out', 'backup.csv');
    expect(r.stdout).toBe('exported 4 subscribers to backup.csv\n');
    expect(fs.readdirSync(p.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const before = p.contents();
    const again = await p.cli('subscribers', 'import', 'backup.csv');
    expect(again.stdout).toContain('0 added, 0 updated, 4 unchanged, 0 rejected, 0 suppressed (4 rows)');
    expect(p.contents()).toEqual(before);
  });

  test('--out into a folder that does not exist is a clear error and leaves no file', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'export', '--out', 'missing/backup.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing/backup.csv: its folder does not exist');
    expect(fs.existsSync(path.join(p.dir, 'missing'))).toBe(false);
  });
});

describe('subscribers remove', () => {
  test('deletes the subscriber, found in any capitalisation', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'remove', 'BEN@x.org');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('removed Ben@x.org\n');
    expect(p.contents().subscribers.map((s) => s.email)).toEqual(['ana@x.org', 'cleo@x.org', 'dan@x.org']);
  });

  test('an address that is not a subscriber: says so, exit 1', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'remove', 'nobody@x.org');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('no subscriber has the address nobody@x.org; nothing was removed (see `newsletter subscribers list`)\n');
  });

  test('an invalid address is refused with the reason', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'remove', 'nobody');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('"nobody" is not a usable email address: has no @domain\n');
  });

  test('removing keeps the suppression, so a later import cannot bring the address back', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'ana@x.org');
    expect((await p.cli('subscribers', 'remove', 'ana@x.org')).stdout).toBe('removed ana@x.org (the address stays suppressed: manual)\n');
    const r = await p.cli('subscribers', 'import', 'list.csv');
    expect(r.stdout).toContain('0 added, 0 updated, 3 unchanged, 0 rejected, 1 suppressed');
    expect(p.contents().subscribers.map((s) => s.email)).not.toContain('ana@x.org');
  });
});

describe('subscribers suppress', () => {
  test('suppresses a subscriber and marks them unsubscribed', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'suppress', 'ana@X.ORG', '--reason', 'complained');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('suppressed ana@x.org (complained)\nthe subscriber ana@x.org is now unsubscribed\n');
    const c = p.contents();
    expect(c.suppressions).toEqual([{ address: 'ana@x.org', reason: 'complained', detail: 'newsletter subscribers suppress' }]);
    expect(c.subscribers.find((s) => s.email_key === 'ana@x.org')?.status).toBe('unsubscribed');
  });

  test('suppresses an address that is not a subscriber (manual by default)', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'suppress', 'stranger@x.org');
    expect(r.stdout).toBe('suppressed stranger@x.org (manual)\n');
    expect(p.contents()).toEqual({ subscribers: [], suppressions: [{ address: 'stranger@x.org', reason: 'manual', detail: 'newsletter subscribers suppress' }] });
  });

  test('suppressing twice keeps the first reason and says so', async () => {
    const p = storeProject();
    await p.cli('subscribers', 'suppress', 'a@x.org', '--reason', 'bounced');
    const r = await p.cli('subscribers', 'suppress', 'A@x.org', '--reason', 'manual');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^A@x\.org was already suppressed \(bounced, since 2021-03-21T12:00:00\.\d{3}Z\)\n$/);
    expect(p.contents().suppressions.map((s) => s.reason)).toEqual(['bounced']);
  });

  test('an unknown reason is a usage error', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'suppress', 'a@x.org', '--reason', 'annoyed');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'annoyed' is invalid. Allowed choices are unsubscribed, bounced, complained, manual");
    expect(p.contents().suppressions).toEqual([]);
  });
});

describe('subscribers add', () => {
  test('adds one person, with a name, and records how', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'add', 'Nia@Example.ORG', '--name', 'Nia Long', '--note', 'signed up at the March 22 meeting');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('added Nia@example.org (Nia Long)\n');
    expect(p.contents().subscribers).toEqual([{ email: 'Nia@example.org', email_key: 'nia@example.org', name: 'Nia Long', status: 'active' }]);
    expect(events(p.dbPath)).toEqual([{ address: 'nia@example.org', kind: 'added', source: 'cli', note: 'signed up at the March 22 meeting' }]);
  });

  test('"Name <address>" gives both', async () => {
    const p = storeProject();
    expect((await p.cli('subscribers', 'add', 'Omar Haddad <omar@example.org>')).stdout).toBe('added omar@example.org (Omar Haddad)\n');
  });

  test('an address already on the list is left as it is', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'add', 'ANA@x.org', '--name', 'Someone Else');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ana@x.org is already subscribed (active); nothing changed\n');
    expect(p.contents().subscribers.find((s) => s.email === 'ana@x.org')?.name).toBe('Ana Álvarez');
  });

  test('a suppressed address is refused with the reason and the way back', async () => {
    const p = storeProject();
    await p.cli('subscribers', 'suppress', 'gone@x.org', '--reason', 'unsubscribed');
    const r = await p.cli('subscribers', 'add', 'gone@x.org');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'gone@x.org is suppressed (unsubscribed, since 2021-03-21); nothing was added. If they asked to come back: newsletter subscribers resubscribe gone@x.org --note "asked by …"\n',
    );
    expect(p.contents().subscribers).toEqual([]);
  });
});

describe('subscribers resubscribe', () => {
  test('lifts an unsubscribed suppression and records who asked', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'ana@x.org', '--reason', 'unsubscribed');
    const r = await p.cli('subscribers', 'resubscribe', 'ana@x.org', '--note', 'asked by phone 2021-03-22');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('resubscribed ana@x.org (lifted the unsubscribed suppression of 2021-03-21); note: asked by phone 2021-03-22\n');
    const c = p.contents();
    expect(c.suppressions).toEqual([]);
    expect(c.subscribers.find((s) => s.email === 'ana@x.org')?.status).toBe('active');
    expect(events(p.dbPath)).toEqual([
      { address: 'ana@x.org', kind: 'resubscribed', source: 'cli', note: expect.stringMatching(/^lifted unsubscribed suppression of 2021-03-21T.*; asked by phone 2021-03-22$/) },
    ]);
    // And the next import keeps them.
    expect((await p.cli('subscribers', 'import', 'list.csv')).stdout).toContain('0 suppressed');
  });

  test('a manual suppression of someone who was removed: they come back as a subscriber', async () => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'cleo@x.org');
    await p.cli('subscribers', 'remove', 'cleo@x.org');
    const r = await p.cli('subscribers', 'resubscribe', 'cleo@x.org', '--note', 'emailed us', '--name', 'Cleo');
    expect(r.stdout).toContain('resubscribed cleo@x.org (lifted the manual suppression');
    expect(p.contents().subscribers.find((s) => s.email === 'cleo@x.org')).toMatchObject({ name: 'Cleo', status: 'active' });
  });

  test.each([
    ['bounced', 'mail to it bounced', 'Mailing an address that bounces again counts against the sender'],
    ['complained', 'its owner reported our mail as spam', 'Gmail and Yahoo block senders above 0.3% complaints'],
  ])('%s needs --force, and says why that is risky', async (reason, cause, risk) => {
    const p = await withList();
    await p.cli('subscribers', 'suppress', 'ana@x.org', '--reason', reason);
    const refused = await p.cli('subscribers', 'resubscribe', 'ana@x.org', '--note', 'asked');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`ana@x.org is suppressed because ${cause} (2021-03-21); nothing changed.`);
    expect(refused.stderr).toContain(risk);
    expect(refused.stderr).toContain('If you are sure, run it again with --force\n');
    expect(p.contents().suppressions).toHaveLength(1);

    const forced = await p.cli('subscribers', 'resubscribe', 'ana@x.org', '--note', 'confirmed the address by phone', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(new RegExp(`^warning: .*${risk.slice(0, 20)}`, "m"));
    expect(p.contents().suppressions).toEqual([]);
  });

  test('--note is required', async () => {
    const p = await withList();
    const r = await p.cli('subscribers', 'resubscribe', 'ana@x.org');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("required option '--note <text>' not specified");
  });

  test('someone already active: nothing changes', async () => {
    const p = await withList();
    expect((await p.cli('subscribers', 'resubscribe', 'ana@x.org', '--note', 'x')).stdout).toBe('ana@x.org is already subscribed; nothing changed\n');
    expect(events(p.dbPath)).toEqual([]);
  });
});

function events(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT address, kind, source, note FROM subscription_events ORDER BY id').all();
  } finally {
    db.close();
  }
}
