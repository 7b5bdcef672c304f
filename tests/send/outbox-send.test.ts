import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
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
  it('builds the web version and calendars of what it sends into dist/<issue>/', async () => {
    const project = await makeSendProject(2);
    expect((await send(project)).code).toBe(0);
    const dist = path.join(project.dir, 'dist', '2021-03-22');
    expect(fs.readFileSync(path.join(dist, 'web.html'), 'utf8')).toContain('Pass the PRO Act Planning Meeting');
    expect(fs.existsSync(path.join(dist, 'events.ics'))).toBe(true);
  });
});
