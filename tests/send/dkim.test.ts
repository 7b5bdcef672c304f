import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { makeSendProject, send } from '../helpers/send-project';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/**
 * With DKIM_* set, every message is signed; an independent verifier (mailauth), given the public
 * key as the DNS record would publish it, finds the signature valid for the sender's domain.
 */
describe('DKIM signing', () => {
  let server: TestSmtpServer;
  afterEach(async () => {
    await server?.close();
  });

  it('signs each message so that it verifies against the published key', async () => {
    server = await startSmtpServer();
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const project = await makeSendProject(3, { smtpUrl: server.url() });
    const keyFile = path.join(project.dir, 'dkim.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const r = await send(project, [], { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'news', DKIM_PRIVATE_KEY_PATH: keyFile });
    expect(r.code).toBe(0);
    expect(server.received).toHaveLength(3);

    const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const resolver = async (name: string, type: string) => {
      if (name === 'news._domainkey.example.org' && type === 'TXT') return [[record]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    for (const { raw } of server.received) {
      expect(raw).toMatch(/^DKIM-Signature: .*d=example\.org/m);
      const result = await dkimVerify(Buffer.from(raw.replace(/\r?\n/g, '\r\n')), { resolver });
      expect(result.results.map((x: { status: { result: string } }) => x.status.result)).toEqual(['pass']);
    }
  });
});
