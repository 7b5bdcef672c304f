import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { canSendTransition, SEND_STATES, SEND_TRANSITIONS, type SendState } from '../../src/send/ledger';
import { migrate, MIGRATIONS } from '../../src/store/migrations';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite';
import { describeChanges } from '../../src/publish/edition';
import { isAssetPath } from '../../src/store/types';
import { parseAddress } from '../../src/subscribers/address';
import { testEdition } from '../helpers/edition';

const tempDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'editions-')), 'db.sqlite');
const t0 = new Date('2026-01-05T10:00:00Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

async function withSubscribers(file: string, addresses: string[]): Promise<SqliteStore> {
  const store = openSqliteStore(file);
  const imp = await store.subscribers.beginImport();
  for (const a of addresses) await imp.subscribe(parseAddress(a), null);
  await imp.commit();
  return store;
}

/** Claims as the runner does: under the send's lease. */
async function leasedClaim(store: SqliteStore, sendId: number, limit: number, now: Date) {
  await store.ledger.acquireLease(sendId, 'test', new Date(now.getTime() + 60_000), now);
  return store.ledger.claim(sendId, limit, now, 'test');
}

describe('editions in the store', () => {
  let store: SqliteStore;
  beforeEach(async () => {
    store = await withSubscribers(tempDb(), ['a@example.org', 'b@example.org', 'c@example.org']);
  });
  afterEach(() => store.close());

  it('a send starts with edition 1, holding the rendering and its files; every delivery points at it', async () => {
    const { send, edition } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
    expect(edition).toMatchObject({ number: 1, sendId: send.id, slug: '2021-03-22', subject: 'This week', createdAt: t0.toISOString() });
    expect(edition.assetPaths).toEqual(['events.ics', 'events/rally.ics', 'web.html']);
    expect((await store.editions.asset(edition.id, 'web.html'))?.body.toString()).toBe('<!doctype html><p>Hello</p>');
    expect(await store.editions.asset(edition.id, '../web.html')).toBeUndefined();
    const claimed = await leasedClaim(store, send.id, 10, t0);
    expect(claimed.map((c) => c.editionId)).toEqual([edition.id, edition.id, edition.id]);
  });

  it('a correction is edition 2: only deliveries not yet handed over move to it, and history counts each', async () => {
    const { send, edition: first } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
    const [a] = await leasedClaim(store, send.id, 1, t0);
    await store.ledger.record([{ id: a!.id, outcome: { to: 'sent', reply: '250', messageId: '<a@x>' } }], t0);
    const [b] = await leasedClaim(store, send.id, 1, t0); // in flight: keeps edition 1
    const { edition: second, moved } = await store.ledger.correct(send.id, testEdition({ subject: 'This week (corrected)' }), later(5));
    expect(second.number).toBe(2);
    expect(moved).toBe(1);
    expect((await store.editions.current('2021-03-22'))!.id).toBe(second.id);
    await store.ledger.record([{ id: b!.id, outcome: { to: 'sent', reply: '250', messageId: '<b@x>' } }], t0);
    const [c] = await leasedClaim(store, send.id, 5, t0);
    expect(c!.editionId).toBe(second.id);
    await store.ledger.record([{ id: c!.id, outcome: { to: 'sent', reply: '250', messageId: '<c@x>' } }], t0);
    const history = await store.editions.history('2021-03-22');
    expect(history.map((h) => [h.edition.number, h.counts.sent])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(first.id).not.toBe(second.id);
  });

  it('lists the current edition of every started send, newest send first', async () => {
    await store.ledger.beginSend({ slug: '2021-03-15', edition: testEdition({ subject: 'older' }), now: t0 });
    const { send } = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition({ subject: 'newer' }), now: later(60 * 24 * 7) });
    await store.ledger.correct(send.id, testEdition({ subject: 'newer, corrected' }), later(60 * 24 * 7 + 5));
    const published = await store.editions.published();
    expect(published.map((p) => [p.slug, p.edition.subject, p.edition.number])).toEqual([
      ['2021-03-22', 'newer, corrected', 2],
      ['2021-03-15', 'older', 1],
    ]);
    expect(published[0]!.sentAt).toBe(later(60 * 24 * 7).toISOString());
    expect(await store.editions.published({ limit: 1 })).toHaveLength(1);
  });

  it('refuses an asset path that could leave the issue, or one given twice', async () => {
    const bad = testEdition({ assets: [{ path: '../secret', contentType: 'text/plain', body: Buffer.from('x') }] });
    await expect(store.ledger.beginSend({ slug: 'x', edition: bad, now: t0 })).rejects.toThrow(/not a plain relative path/);
    expect(await store.ledger.findSend('x')).toBeUndefined();
    const twice = testEdition({ assets: [...testEdition().assets, testEdition().assets[0]!] });
    await expect(store.ledger.beginSend({ slug: 'y', edition: twice, now: t0 })).rejects.toThrow(/given twice/);
  });

  it('asset paths: plain relative segments only', () => {
    const cases: [string, boolean][] = [
      ['web.html', true],
      ['events/rally-at-grand-park.ics', true],
      ['images/rally.jpg', true],
      ['', false],
      ['/web.html', false],
      ['../x', false],
      ['events/../../x', false],
      ['a//b', false],
      ['events/', false],
      ['.hidden', false],
      ['a\\b', false],
      ['a%2fb', false],
    ];
    for (const [p, ok] of cases) expect([p, isAssetPath(p)]).toEqual([p, ok]);
  });
});

describe('the send lifecycle', () => {
  it('moves only as the transition table says, checked against the state in the store', async () => {
    const table: [SendState, SendState, boolean][] = [];
    for (const from of SEND_STATES) for (const to of SEND_STATES) table.push([from, to, SEND_TRANSITIONS[from].includes(to)]);
    expect(table.filter(([, , ok]) => ok).map(([f, t]) => `${f}→${t}`)).toEqual(['sending→stopped', 'sending→finished', 'stopped→sending', 'finished→sending']);
    for (const [from, to, ok] of table) expect(canSendTransition(from, to)).toBe(ok);

    const store = await withSubscribers(tempDb(), ['a@example.org']);
    try {
      const { send } = await store.ledger.beginSend({ slug: 's', edition: testEdition(), now: t0 });
      expect(send.state).toBe('sending');
      await expect(store.ledger.transitionSend(send.id, 'sending', 'sending', t0)).rejects.toThrow(/not an allowed move/);
      await expect(store.ledger.transitionSend(send.id, 'stopped', 'sending', t0)).rejects.toThrow(/was not stopped/);
      await store.ledger.transitionSend(send.id, 'sending', 'finished', later(1));
      expect(await store.ledger.findSend('s')).toMatchObject({ state: 'finished', finishedAt: later(1).toISOString() });
      await store.ledger.transitionSend(send.id, 'finished', 'sending', later(2));
      expect(await store.ledger.findSend('s')).toMatchObject({ state: 'sending', finishedAt: null });
    } finally {
      await store.close();
    }
  });
});

describe('a store from before editions (version 2) upgrades and keeps working', () => {
  it('keeps its sends, maps their states, and gives an unfinished send an edition when it resumes', async () => {
    const file = tempDb();
    const old = new Database(file);
    migrate(old, MIGRATIONS.filter((m) => m.version <= 2));
    const ins = old.prepare("INSERT INTO subscribers (email, email_key, status, added_at, updated_at) VALUES (?, lower(?), 'active', 'then', 'then')");
    for (const a of ['a@example.org', 'b@example.org']) ins.run(a, a);
    old.prepare("INSERT INTO sends (id, slug, content_hash, subject, state, created_at, finished_at) VALUES (1, '2021-03-15', 'h1', 'old', 'done', 'then', 'then')").run();
    old.prepare("INSERT INTO sends (id, slug, content_hash, subject, state, created_at) VALUES (2, '2021-03-22', 'h2', 'cut short', 'sending', 'then')").run();
    const del = old.prepare("INSERT INTO deliveries (send_id, subscriber_id, address, state, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, '2021-03-22T14:00:00.000Z', 'then', 'then')");
    del.run(1, 1, 'a@example.org', 'sent');
    del.run(1, 2, 'b@example.org', 'sent');
    del.run(2, 1, 'a@example.org', 'sent');
    del.run(2, 2, 'b@example.org', 'pending');
    old.close();

    const store = openSqliteStore(file);
    try {
      expect((await store.ledger.findSend('2021-03-15'))!.state).toBe('finished');
      expect((await store.ledger.findSend('2021-03-22'))!.state).toBe('sending');
      // Nothing is published for a send without an edition.
      expect(await store.editions.current('2021-03-15')).toBeUndefined();
      expect(await store.editions.published()).toEqual([]);

      // Resuming: the rendering becomes edition 1 of the old send, for the rows still pending.
      const resumed = await store.ledger.beginSend({ slug: '2021-03-22', edition: testEdition(), now: t0 });
      expect(resumed.created).toBe(false);
      expect(resumed.edition.number).toBe(1);
      const claimed = await leasedClaim(store, resumed.send.id, 5, t0);
      expect(claimed.map((c) => [c.address, c.editionId])).toEqual([['b@example.org', resumed.edition.id]]);
      const history = await store.editions.history('2021-03-22');
      expect(history.map((h) => [h.edition.number, h.counts.sending, h.counts.sent])).toEqual([[1, 1, 0]]);

      // The finished one gets its web version back with a correction that mails nobody.
      const { moved } = await store.ledger.correct((await store.ledger.findSend('2021-03-15'))!.id, testEdition(), t0);
      expect(moved).toBe(0);
      expect((await store.editions.published()).map((p) => p.slug).sort()).toEqual(['2021-03-15', '2021-03-22']);
    } finally {
      await store.close();
    }
  });
});

describe('what changed between an edition and a new rendering', () => {
  const text = (title: string, when: string) =>
    `DSA LA\n======\n\n${title}\n${'-'.repeat(title.length)}\n${when}\n\nAdd to Google Calendar: https://calendar.google.com/x?text=${encodeURIComponent(title)}\nAdd to calendar (.ics): https://news.example.org/issues/x/events/a.ics\n`;
  const paths = ['web.html', 'events.ics', 'events/rally.ics'];

  it('names the subject, events added or removed, and the lines of text that differ, leaving out underlines and calendar links', () => {
    const lines = describeChanges(
      { subject: 'This week', preheader: null, text: text('Rally', 'Tuesday @ 6:00 pm'), assetPaths: paths },
      { subject: 'This week (corrected)', preheader: null, text: text('Rally', 'Tuesday @ 7:00 pm'), assetPaths: [...paths, 'events/picket.ics'] },
    );
    expect(lines).toEqual(['subject: "This week" → "This week (corrected)"', 'events added: picket', '- Tuesday @ 6:00 pm', '+ Tuesday @ 7:00 pm']);
  });

  it('cuts long lines and says how many more lines changed', () => {
    const before = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n');
    const after = `${'x'.repeat(300)}\n${before.replace(/line/g, 'row')}`;
    const lines = describeChanges({ subject: 's', preheader: null, text: before, assetPaths: [] }, { subject: 's', preheader: null, text: after, assetPaths: [] });
    expect(lines[0]).toBe('- line 0');
    expect(lines).toContain('- … and 4 more lines');
    expect(lines.find((l) => l.startsWith('+ x'))).toHaveLength(2 + 100);
  });

  it('a change only in the HTML is still named', () => {
    expect(describeChanges({ subject: 's', preheader: null, text: 't', assetPaths: [] }, { subject: 's', preheader: null, text: 't', assetPaths: [] })).toEqual([
      'the HTML of the email (its text part is the same)',
    ]);
  });
});
