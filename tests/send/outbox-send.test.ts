import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/store';
import { makeSendProject, send } from '../helpers/send-project';

/** With no SMTP_URL the whole pipeline runs into outbox/<issue>/, through the same ledger. */
describe('send to the local outbox', () => {
  it('writes one message per subscriber, and a second run writes nothing', async () => {
    const project = await makeSendProject(12);
    const first = await send(project);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('2021-03-22: 12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending (via outbox/2021-03-22)');
    const dir = path.join(project.dir, 'outbox', '2021-03-22');
    const files = fs.readdirSync(dir).sort();
    expect(files).toHaveLength(12);
    expect(files.every((f) => /^\d{6}\.eml$/.test(f))).toBe(true);

    const recipients = new Set<string>();
    for (const f of files) {
      const mail = await simpleParser(fs.readFileSync(path.join(dir, f)));
      const to = mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : [];
      expect(to).toHaveLength(1);
      recipients.add(to[0]!);
    }
    expect([...recipients].sort()).toEqual(project.addresses);

    const second = await send(project);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('2021-03-22 was already sent: 12 sent');
    expect(fs.readdirSync(dir)).toHaveLength(12);
  });
});

describe('what a send publishes', () => {
  it('stores the edition it sends: the web version and calendars come from the same rendering, and dist/ is not written', async () => {
    const project = await makeSendProject(2);
    expect((await send(project)).code).toBe(0);
    expect(fs.existsSync(path.join(project.dir, 'dist'))).toBe(false);
    const store = await openStore(loadConfig(project.dir, project.env));
    try {
      const edition = (await store.editions.current('2021-03-22'))!;
      expect(edition.number).toBe(1);
      expect(edition.assetPaths).toEqual(expect.arrayContaining(['web.html', 'events.ics']));
      expect(edition.assetPaths.filter((p) => /^events\/[a-z0-9-]+\.ics$/.test(p)).length).toBeGreaterThan(3);
      const web = (await store.editions.asset(edition.id, 'web.html'))!;
      expect(web.contentType).toBe('text/html; charset=utf-8');
      expect(web.body.toString()).toContain('Pass the PRO Act Planning Meeting');
      // Every message is the stored edition's text, filled in for its recipient.
      const dir = path.join(project.dir, 'outbox', '2021-03-22');
      for (const f of fs.readdirSync(dir)) {
        const mail = await simpleParser(fs.readFileSync(path.join(dir, f)));
        expect(mail.text!.replace(/Unsubscribe: \S+/, '').trimEnd()).toBe(edition.text.replace(/Unsubscribe: \S+/, '').trimEnd());
      }
    } finally {
      await store.close();
    }
  });
});
