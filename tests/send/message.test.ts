import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { loadPublication } from '../../src/config';
import { loadIssueFile } from '../../src/issue/load';
import { buildView } from '../../src/issue/view';
import { renderIssue, type Rendered } from '../../src/render';
import { PLACEHOLDERS } from '../../src/render/placeholders';
import { composeMessage, mailOptions, personalise, prepareIssue, type MessageOptions, type Recipient } from '../../src/send/message';
import { loadDkim } from '../../src/send/dkim';
import { REPO_ROOT, SEED_ISSUE } from '../helpers/cli';

// mailauth has no type declarations; this is the one function used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify(message: Buffer, opts: { resolver: (name: string, type: string) => Promise<string[][]> }): Promise<{ results: { status: { result: string; comment?: string } }[] }>;
};

/**
 * Messages are filled into a skeleton composed once per issue. Whatever the bytes look like, a
 * mail client must read exactly what nodemailer's MailComposer would have composed for the same
 * recipient: the same headers, the same HTML, the same text.
 */
const pub = loadPublication(REPO_ROOT);
const URL_1 = 'https://news.example.org/u/k1.1.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE';
const DATE = new Date('2021-03-22T14:00:00Z');
const U = PLACEHOLDERS.unsubscribeUrl;

function options(extra: Partial<MessageOptions> = {}): MessageOptions {
  return { publication: pub, slug: '2021-03-22', unsubscribeUrl: URL_1, date: DATE, ...extra };
}

async function seedRendered(engine: 'react' | 'mjml'): Promise<Rendered> {
  const loaded = loadIssueFile(SEED_ISSUE, pub.timezone);
  return renderIssue(buildView(loaded.issue, pub, { slug: loaded.slug }), engine);
}

function reference(rendered: Rendered, recipient: Recipient, opts: MessageOptions): Promise<Buffer> {
  return new MailComposer(mailOptions(prepareIssue(rendered), recipient, opts)).compile().build();
}

/**
 * What a reader's client sees of a message: every parsed header (the multipart boundary aside,
 * which is random in each composition) and the decoded parts.
 */
function readable(mail: ParsedMail) {
  const headers = Object.fromEntries(mail.headers);
  const contentType = headers['content-type'] as { value: string; params: Record<string, string> };
  headers['content-type'] = { ...contentType, params: { ...contentType.params, boundary: '(random)' } };
  return { headers, html: mail.html, text: mail.text, attachments: mail.attachments.length };
}

async function expectSameAsMailComposer(rendered: Rendered, recipient: Recipient, opts: MessageOptions): Promise<Buffer> {
  const fast = await composeMessage(prepareIssue(rendered), recipient, opts);
  const [ours, theirs] = await Promise.all([simpleParser(fast), simpleParser(await reference(rendered, recipient, opts))]);
  expect(readable(ours)).toEqual(readable(theirs));
  return fast;
}

/** SMTP's CRLF line breaks only; RFC 5322 and 2045 limits: 998 octets a line, 76 in an encoded body. */
function expectWireForm(raw: Buffer): void {
  expect(raw.toString('latin1')).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
  const [head, ...body] = raw.toString('latin1').split('\r\n\r\n');
  for (const line of head!.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  const bodyLines = body.join('\r\n\r\n').split(/\r?\n/);
  const tooLong = bodyLines.filter((l) => l.length > 76);
  expect(tooLong).toEqual([]);
}

describe('the per-recipient message', () => {
  it.each(['react', 'mjml'] as const)('reads exactly like MailComposer’s message for the seed issue (%s)', async (engine) => {
    const rendered = await seedRendered(engine);
    const raw = await expectSameAsMailComposer(rendered, { id: 1, address: 'member0001@example.org', name: 'Member 1' }, options());
    expectWireForm(raw);
    const mail = await simpleParser(raw);
    expect(mail.html).toContain(`href="${URL_1}"`);
    expect(mail.text).toContain(URL_1);
    expect(mail.html).not.toContain(U);
  });

  it.each<[string, Recipient]>([
    ['no name', { id: 2, address: 'plain@example.org' }],
    ['a name with quotes and a colon', { id: 3, address: 'a@example.org', name: 'Ana "<x>" Bcc: b@example.org' }],
    ['a non-ASCII name', { id: 4, address: 'zoe@example.org', name: 'Zoë Ünal–Šimić' }],
    ['a long name that needs folding', { id: 5, address: 'long@example.org', name: 'Maria de los Ángeles Fernández-Villanueva y Rodríguez de la Concepción' }],
    ['an internationalised domain', { id: 6, address: 'ana@bücher.example' }],
  ])('has the same headers as MailComposer for a recipient with %s', async (_, recipient) => {
    const rendered = await seedRendered('react');
    const raw = await expectSameAsMailComposer(rendered, recipient, options({ unsubscribeMailto: 'unsubscribe@example.org' }));
    const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head.match(/^To: /gm)).toHaveLength(1);
  });

  it.each<[string, string, string]>([
    ['placeholders at the start, the end and side by side', `${U}<p>a</p>${U}${U}`, `${U}\nline\n${U}`],
    ['white space and line breaks around placeholders', `<p>link: \n${U} \n</p>`, `Unsubscribe: ${U}  \r\nend \t`],
    ['lines far over 76 characters', `<p>${'x'.repeat(300)}${U}${'y='.repeat(200)}</p>`, `${'a'.repeat(500)} ${U}`],
    ['no placeholder at all', '<p>Hello</p>', 'Hello'],
    ['short 7-bit text', `<p>Hi</p><a href="${U}">u</a>`, `Hi\n${U}\n`],
    ['text that is mostly not Latin (base64)', `<p>${'Ελληνικά κείμενα '.repeat(40)}<a href="${U}">διαγραφή</a></p>`, `${'Ελληνικά '.repeat(60)}\n${U}\n`],
  ])('decodes to the same parts as MailComposer with %s', async (_, html, text) => {
    const rendered: Rendered = { subject: 'Ünïcödé subject — with a dash', html, text, engine: 'react' };
    const raw = await expectSameAsMailComposer(rendered, { id: 9, address: 'x@example.org', name: 'X' }, options());
    expectWireForm(raw);
    const mail = await simpleParser(raw);
    expect(mail.html).toBe(html.split(U).join(URL_1));
  });

  it('differs between recipients only in their own values', async () => {
    const prepared = prepareIssue(await seedRendered('react'));
    const a = await personalise(prepared, { id: 1, address: 'a@example.org', name: 'A' }, options({ unsubscribeUrl: `${URL_1}a` }));
    const b = await personalise(prepared, { id: 2, address: 'b@example.org', name: 'B' }, options({ unsubscribeUrl: `${URL_1}b` }));
    const [ma, mb] = await Promise.all([simpleParser(a.raw), simpleParser(b.raw)]);
    expect(ma.messageId).toBe(a.messageId);
    expect(mb.messageId).toBe(b.messageId);
    expect(a.messageId).not.toBe(b.messageId);
    expect(ma.html).toContain(`${URL_1}a"`);
    expect(mb.html).toContain(`${URL_1}b"`);
    expect(mb.html).not.toContain(`${URL_1}a"`);
    expect((ma.html as string).split(`${URL_1}a`).join('')).toBe((mb.html as string).split(`${URL_1}b`).join(''));
    expect(ma.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(`List-Unsubscribe: <${URL_1}a>`);
    expect(mb.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toBe(`List-Unsubscribe: <${URL_1}b>`);
    expect(mb.to).toEqual(expect.objectContaining({ value: [{ address: 'b@example.org', name: 'B' }] }));
  });

  it('keeps separate skeletons for a test send’s [TEST] subject and the real one', async () => {
    const prepared = prepareIssue(await seedRendered('react'));
    const test = await simpleParser(await composeMessage(prepared, { id: 0, address: 'e@example.org' }, options({ subjectPrefix: '[TEST] ' })));
    const real = await simpleParser(await composeMessage(prepared, { id: 1, address: 'e@example.org' }, options()));
    expect(test.subject).toBe('[TEST] This week: Solidarity with BAmazon Union!');
    expect(real.subject).toBe('This week: Solidarity with BAmazon Union!');
  });

  it('is DKIM-signed over its final bytes, and the signature verifies', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-dkim-'));
    const keyPath = path.join(dir, 'dkim.pem');
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const dkim = await loadDkim({ domainName: 'example.org', keySelector: 'news', privateKeyPath: keyPath });
    const prepared = prepareIssue(await seedRendered('react'));
    const { raw } = await personalise(prepared, { id: 1, address: 'ana@example.org', name: 'Ana' }, options({ dkim }));
    expect(raw.toString('latin1')).toMatch(/^DKIM-Signature: /);

    const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const resolver = async (name: string, type: string) => {
      if (name === 'news._domainkey.example.org' && type === 'TXT') return [[record]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    };
    expect((await dkimVerify(raw, { resolver })).results.map((r) => r.status.result)).toEqual(['pass']);
    // Any change to the body after signing breaks it: the signature covers the bytes sent.
    const tampered = Buffer.from(raw.toString('latin1').replace('Grand Park', 'Grand Perk'), 'latin1');
    const broken = (await dkimVerify(tampered, { resolver })).results[0]!.status;
    expect(broken.result).not.toBe('pass');
    expect(broken.comment).toMatch(/body hash/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
