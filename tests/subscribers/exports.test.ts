import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';
import { storeProject } from './helpers';

/**
 * Membership exports as the tools write them (tests/fixtures/csv: headers, quoting, CRLF, extra
 * columns), imported into a real SQLite file with the CLI, including the re-imports that must
 * suppress people already active.
 */

const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'csv');
const fixture = (name: string) => path.join(FIXTURES, name);
const statusOf = (p: ReturnType<typeof storeProject>) => {
  const c = p.contents();
  return {
    subscribers: Object.fromEntries(c.subscribers.map((s) => [s.email, s.status])),
    suppressions: Object.fromEntries(c.suppressions.map((s) => [s.address, s.reason])),
  };
};

describe('importing real exports', () => {
  test('regression: an Action Network export keeps its unsubscribed, bouncing and spam-complaint members off the list', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'import', fixture('action-network.csv'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('action-network.csv: Action Network export; using email (email), first_name (first name), last_name (last name), can2_subscription_status (status)\n');
    expect(r.stderr).toContain('action-network.csv: ignoring 9 columns: uuid, zip_code, can2_state_abbreviated, can2_county, can2_phone, can2_user_tags, can2_sms_status, language, created_date\n');
    expect(r.stderr).toContain('action-network.csv:6: warning: omar.haddad@gmail.con: the domain may be a typo of gmail.com; imported as it is, check it with the person');
    expect(r.stdout).toBe(`${fixture('action-network.csv')}: 3 added, 0 updated, 0 unchanged, 0 rejected, 3 suppressed (6 rows)\n`);
    expect(statusOf(p)).toEqual({
      subscribers: { 'ana.alvarez@example.org': 'active', 'omar.haddad@gmail.con': 'active', 'zoe.martin@example.org': 'active' },
      suppressions: { 'kate.obrien@example.org': 'unsubscribed', 'luis.ng@example.org': 'bounced', 'mei.chen@example.org': 'complained' },
    });
    // "Zoë Martin <zoe.martin@example.org>" in the email cell: the address, and the name from the name columns.
    expect(p.contents().subscribers.find((s) => s.email === 'zoe.martin@example.org')?.name).toBe('Zoë Martin');
  });

  test('an Action Network re-import suppresses members who were active', async () => {
    const p = storeProject();
    p.write('first.csv', 'email,first_name,can2_subscription_status\r\nkate.obrien@example.org,Kate,subscribed\r\nluis.ng@example.org,Luis,subscribed\r\n');
    await p.cli('subscribers', 'import', 'first.csv');
    expect(statusOf(p).subscribers).toEqual({ 'kate.obrien@example.org': 'active', 'luis.ng@example.org': 'active' });
    await p.cli('subscribers', 'import', fixture('action-network.csv'));
    expect(statusOf(p).subscribers).toMatchObject({ 'kate.obrien@example.org': 'unsubscribed', 'luis.ng@example.org': 'unsubscribed' });
    expect((await p.cli('subscribers', 'list', '--plain', '--status', 'active')).stdout).toBe('ana.alvarez@example.org\nomar.haddad@gmail.con\nzoe.martin@example.org\n');
  });

  test('the three Mailchimp files: subscribed, then unsubscribed and cleaned suppress people already active', async () => {
    const p = storeProject();
    const sub = await p.cli('subscribers', 'import', fixture('mailchimp-subscribed.csv'));
    expect(sub.stdout).toContain('3 added, 0 updated, 0 unchanged, 0 rejected, 0 suppressed (3 rows)');
    expect(sub.stderr).toContain('Mailchimp audience export; using "Email Address" (email), "First Name" (first name), "Last Name" (last name); no status column: every row is active');
    expect(sub.stderr).toContain('ignoring 19 columns: Address, "Phone Number", MEMBER_RATING');
    expect(sub.stderr).toContain('mailchimp-subscribed.csv:4: warning: carla@yaho.com: the domain may be a typo of yahoo.com');
    const unsub = await p.cli('subscribers', 'import', fixture('mailchimp-unsubscribed.csv'));
    expect(unsub.stderr).toContain('UNSUB_TIME (status)');
    expect(unsub.stdout).toContain('0 added, 0 updated, 0 unchanged, 0 rejected, 2 suppressed (2 rows)');
    const cleaned = await p.cli('subscribers', 'import', fixture('mailchimp-cleaned.csv'));
    expect(cleaned.stderr).toContain('CLEAN_TIME (status)');
    expect(statusOf(p)).toEqual({
      subscribers: { 'ana.alvarez@example.org': 'unsubscribed', 'ben.okafor@example.org': 'unsubscribed', 'carla@yaho.com': 'active' },
      suppressions: {
        'ana.alvarez@example.org': 'bounced',
        'ben.okafor@example.org': 'unsubscribed',
        'dan.lee@example.org': 'unsubscribed',
        'eve@example.net': 'bounced',
      },
    });
    // Importing the subscribed file again never brings them back.
    const again = await p.cli('subscribers', 'import', fixture('mailchimp-subscribed.csv'));
    expect(again.stdout).toContain('0 added, 0 updated, 1 unchanged, 0 rejected, 2 suppressed (3 rows)');
    expect(statusOf(p).subscribers['ben.okafor@example.org']).toBe('unsubscribed');
  });

  test('a NationBuilder export: not opted in and bad addresses are suppressed', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'import', fixture('nationbuilder.csv'));
    expect(r.stderr).toContain('NationBuilder people export; using email (email), first_name (first name), last_name (last name), email1_is_bad (status), email_opt_in (status)');
    expect(r.stderr).toContain('nationbuilder.csv:5: warning: ravi.patel@hotmial.com: the domain may be a typo of hotmail.com');
    expect(statusOf(p)).toEqual({
      subscribers: { 'ana.alvarez@example.org': 'active', 'ravi.patel@hotmial.com': 'active' },
      suppressions: { 'kate.obrien@example.org': 'unsubscribed', 'luis.ng@example.org': 'bounced' },
    });
  });

  test('an unknown status refuses the whole import, lists each value with its count, and --status-map fixes it', async () => {
    const p = storeProject();
    p.write('list.csv', 'email,name\r\nana@x.org,Ana\r\n');
    await p.cli('subscribers', 'import', 'list.csv');
    const before = p.contents();
    p.write('odd.csv', ['email,status', 'ben@x.org,pending', 'cleo@x.org,active', 'dan@x.org,Pending', 'eve@x.org,VIP', 'ana@x.org,unsubscribed'].join('\r\n') + '\r\n');
    const r = await p.cli('subscribers', 'import', 'odd.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'odd.csv:2: unknown status values in "status": "pending" (2 rows, first on line 2), "vip" (1 row, first on line 5); nothing was imported. ' +
        'Say what each means with --status-map, e.g. --status-map pending=skip (one of active, unsubscribed, bounced, complained, manual, skip)\n',
    );
    expect(r.stdout).toBe('');
    expect(p.contents()).toEqual(before);

    const fixed = await p.cli('subscribers', 'import', 'odd.csv', '--status-map', 'pending=skip', '--status-map', 'vip=active');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toBe('odd.csv: 2 added, 0 updated, 0 unchanged, 0 rejected, 1 suppressed, 2 skipped (5 rows)\n');
    expect(statusOf(p)).toEqual({
      subscribers: { 'ana@x.org': 'unsubscribed', 'cleo@x.org': 'active', 'eve@x.org': 'active' },
      suppressions: { 'ana@x.org': 'unsubscribed' },
    });
  });

  test('listmonk\'s "disabled" is not guessed', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'import', fixture('listmonk.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown status value in "status": "disabled" (1 row, first on line 4); nothing was imported');
    const ok = await p.cli('subscribers', 'import', fixture('listmonk.csv'), '--status-map', 'disabled=skip');
    expect(ok.stdout).toContain('1 added, 0 updated, 0 unchanged, 0 rejected, 1 suppressed, 1 skipped (3 rows)');
    expect(statusOf(p).suppressions).toEqual({ 'spam.bot@example.com': 'manual' });
  });

  test('--status-map with a bad target is a usage error', async () => {
    const p = storeProject();
    const r = await p.cli('subscribers', 'import', fixture('listmonk.csv'), '--status-map', 'disabled=maybe');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('--status-map "disabled=maybe": the target must be one of active, unsubscribed, bounced, complained, manual, skip\n');
  });

  test('--dry-run: what would be added, updated, suppressed and rejected, the first few of each, and nothing written', async () => {
    const p = storeProject();
    p.write('old.csv', 'email,name\r\nana.alvarez@example.org,Ana\r\nkate.obrien@example.org,Kate\r\n');
    await p.cli('subscribers', 'import', 'old.csv');
    const before = p.contents();
    const r = await p.cli('subscribers', 'import', fixture('action-network.csv'), '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `dry run: ${fixture('action-network.csv')}: 2 would be added, 1 updated, 0 unchanged, 0 rejected, 3 suppressed (6 rows)`,
        '  added: omar.haddad@gmail.con, zoe.martin@example.org',
        '  updated: ana.alvarez@example.org',
        '  suppressed: kate.obrien@example.org (unsubscribed), luis.ng@example.org (bounced), mei.chen@example.org (complained)',
        'nothing was written (run it again without --dry-run to import)',
        '',
      ].join('\n'),
    );
    expect(p.contents()).toEqual(before);
  });
});
