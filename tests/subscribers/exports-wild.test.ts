import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';
import { storeProject } from './helpers';

/**
 * Exports as they arrive from the tools and from spreadsheets that passed them on: many columns,
 * emoji, a byte-order mark, UTF-16 ("Unicode text"), Windows-1252 with semicolons, rows of empty
 * cells, CRM opt-out columns. Each is imported into a real SQLite file with the CLI; none may turn a
 * person who left into an active subscriber.
 */

const fixture = (name: string) => path.join(REPO_ROOT, 'tests', 'fixtures', 'csv', name);
const statusOf = (p: ReturnType<typeof storeProject>) => {
  const c = p.contents();
  return {
    subscribers: Object.fromEntries(c.subscribers.map((s) => [s.email, s.status])),
    suppressions: Object.fromEntries(c.suppressions.map((s) => [s.address, s.reason])),
  };
};

describe('exports from the wild', () => {
  test('a full Action Network download: custom fields, emoji, mixed-case statuses with spaces, a row of empty cells; the re-import suppresses active members', async () => {
    const p = storeProject();
    p.write('before.csv', 'email,name\r\nkate.obrien@example.org,Kate\r\nluis.ng@example.org,Luis\r\nmei.chen@example.org,Mei\r\n');
    await p.cli('subscribers', 'import', 'before.csv');
    const r = await p.cli('subscribers', 'import', fixture('action-network-full.csv'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Action Network export; using email (email), first_name (first name), last_name (last name), can2_subscription_status (status)');
    // The two unnamed trailing columns are not listed as "" "".
    expect(r.stderr).toContain('ignoring 17 columns: uuid, zip_code, can2_country,');
    expect(r.stderr).not.toContain('rejected');
    expect(r.stdout).toContain('2 added, 0 updated, 0 unchanged, 0 rejected, 3 suppressed (5 rows)');
    expect(statusOf(p)).toEqual({
      subscribers: {
        'ana.alvarez@example.org': 'active',
        'kate.obrien@example.org': 'unsubscribed',
        'luis.ng@example.org': 'unsubscribed',
        'mei.chen@example.org': 'unsubscribed',
        'zoe.martin@example.org': 'active',
      },
      suppressions: { 'kate.obrien@example.org': 'unsubscribed', 'luis.ng@example.org': 'bounced', 'mei.chen@example.org': 'complained' },
    });
    expect(p.contents().subscribers.find((s) => s.email === 'ana.alvarez@example.org')?.name).toBe('Ana 🌹 Álvarez');
  });

  test('a Mailchimp unsubscribed file saved with a BOM and CRLF suppresses a member who was active', async () => {
    const p = storeProject();
    p.write('sub.csv', 'email,name\r\nben@example.org,Ben\r\n');
    await p.cli('subscribers', 'import', 'sub.csv');
    const header =
      '"Email Address","First Name","Last Name",Address,"Phone Number",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER,LEID,EUID,NOTES,TAGS';
    p.write('unsub.csv', `\ufeff${header}\r\nBen@Example.org,Ben,O,,,2,,,,,,,,,,,,"2021-03-10 14:02:11","March",abc,"I no longer want to receive these emails",,1,e1,,\r\n\r\n`);
    const r = await p.cli('subscribers', 'import', 'unsub.csv');
    expect(r.stdout).toContain('0 added, 0 updated, 0 unchanged, 0 rejected, 1 suppressed (1 row)');
    expect(statusOf(p)).toEqual({ subscribers: { 'ben@example.org': 'unsubscribed' }, suppressions: { 'ben@example.org': 'unsubscribed' } });
  });

  test('Excel "Unicode text" (UTF-16 LE with a BOM, tab-delimited) is read, names and statuses intact', async () => {
    const p = storeProject();
    const text = 'Email\tName\tStatus\r\nana@example.org\tAna Müller\tactive\r\nben@example.org\tBen\tUnsubscribed\r\n';
    p.write('unicode.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r = await p.cli('subscribers', 'import', 'unicode.txt');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('unicode.txt: CSV list (read as UTF-16 text); using Email (email), Name (name), Status (status)');
    expect(statusOf(p)).toEqual({ subscribers: { 'ana@example.org': 'active' }, suppressions: { 'ben@example.org': 'unsubscribed' } });
    expect(p.contents().subscribers[0]!.name).toBe('Ana Müller');
  });

  test('a European Excel CSV: Windows-1252 bytes, semicolons, header in another case, trailing empty columns and rows', async () => {
    const p = storeProject();
    const bytes = Buffer.from(' E-MAIL ; Vorname ;Nachname; STATUS ;;\r\nj.mueller@example.de;J\xfcrgen;M\xfcller; Active ;;\r\nz@example.de;Zo\xeb;\x80uro;UNSUBSCRIBED;;\r\n;;;;;\r\n;;;;;\r\n', 'latin1');
    p.write('excel.csv', bytes);
    const r = await p.cli('subscribers', 'import', 'excel.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('excel.csv: CSV list (read as Windows-1252 text, not UTF-8); using "E-MAIL" (email), Vorname (first name), Nachname (last name), STATUS (status)');
    expect(r.stdout).toContain('1 added, 0 updated, 0 unchanged, 0 rejected, 1 suppressed (2 rows)');
    expect(p.contents().subscribers).toEqual([{ email: 'j.mueller@example.de', email_key: 'j.mueller@example.de', name: 'Jürgen Müller', status: 'active' }]);
    expect(statusOf(p).suppressions).toEqual({ 'z@example.de': 'unsubscribed' });
  });

  test('regression: a row of empty cells is a blank line, not a rejected row', async () => {
    const p = storeProject();
    p.write('list.csv', 'email,name,status\n\n ana@example.org , Ana ,  Active  \n,,\n , , \n');
    const r = await p.cli('subscribers', 'import', 'list.csv');
    expect(r.stdout).toBe('list.csv: 1 added, 0 updated, 0 unchanged, 0 rejected, 0 suppressed (1 row)\n');
    expect(r.stderr).not.toContain('rejected');
  });

  test.each([
    ['Salesforce', 'First Name,Last Name,Email,Email Opt Out,Email Bounced Reason\r\nAna,A,ana@example.org,0,\r\nBen,B,ben@example.org,1,\r\nCleo,C,cleo@example.org,0,550 5.1.1 user unknown\r\n'],
    ['HubSpot', 'First Name,Last Name,Email,Unsubscribed from all email,Marketing contact status\r\nAna,A,ana@example.org,false,Marketing contact\r\nBen,B,ben@example.org,true,Marketing contact\r\nCleo,C,cleo@example.org,,Non-marketing contact\r\n'],
    ['EveryAction', 'VANID,LastName,FirstName,Preferred Email,Do Not Email,Email Bounced\r\n1,A,Ana,ana@example.org,N,N\r\n2,B,Ben,ben@example.org,Y,\r\n3,C,Cleo,cleo@example.org,,Y\r\n'],
  ])('regression: a %s export\'s opt-out column keeps the people who opted out off the list', async (_tool, csv) => {
    const p = storeProject();
    p.write('before.csv', 'email\r\nben@example.org\r\n');
    await p.cli('subscribers', 'import', 'before.csv');
    p.write('crm.csv', csv);
    const r = await p.cli('subscribers', 'import', 'crm.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('every row is active');
    const s = statusOf(p);
    expect(s.subscribers['ana@example.org']).toBe('active');
    expect(s.subscribers['ben@example.org']).toBe('unsubscribed');
    expect(s.suppressions['ben@example.org']).toBe('unsubscribed');
    // HubSpot's empty flag means "not unsubscribed"; Salesforce's and EveryAction's bounce columns say bounced.
    if (_tool !== 'HubSpot') expect(s.suppressions['cleo@example.org']).toBe('bounced');
  });

  test('an opt-out column with a value that is not yes or no refuses the import', async () => {
    const p = storeProject();
    p.write('crm.csv', 'Email,Email Opt Out\r\nana@example.org,0\r\nben@example.org,maybe\r\n');
    const r = await p.cli('subscribers', 'import', 'crm.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('crm.csv:3: unknown status value in "Email Opt Out": "email opt out=maybe" (1 row, first on line 3); nothing was imported.');
    expect(p.contents().subscribers).toEqual([]);
    const fixed = await p.cli('subscribers', 'import', 'crm.csv', '--status-map', 'email opt out=maybe=unsubscribed');
    expect(fixed.code).toBe(0);
    expect(statusOf(p).suppressions).toEqual({ 'ben@example.org': 'unsubscribed' });
  });

  test('regression: a Google Contacts CSV ("E-mail 1 - Value", several addresses joined by " ::: ")', async () => {
    const p = storeProject();
    p.write(
      'contacts.csv',
      'Name,Given Name,Additional Name,Family Name,Nickname,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value\r\n' +
        'Ana López,Ana,,López,,,* myContacts,* Home,ana@example.org ::: ana.old@example.org,Work,ana@work.example.org,Mobile,555\r\n' +
        'Ben,Ben,,,,,* myContacts,,ben@example.org,,,,\r\n',
    );
    const r = await p.cli('subscribers', 'import', 'contacts.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('using "E-mail 1 - Value" (email), Name (name)');
    expect(p.contents().subscribers.map((s) => [s.email, s.name])).toEqual([
      ['ana@example.org', 'Ana López'],
      ['ben@example.org', 'Ben'],
    ]);
  });
});
