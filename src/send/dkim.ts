import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import { UserError } from '../util/errors';

/** DKIM settings from .env (all three or none; src/config/env.ts). */
export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKeyPath: string;
}

/** A key read and proven to sign. */
export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * Reads the key once, before the first message, and signs a test message with it: a missing file,
 * a file that is not a private key, or a key nodemailer cannot sign with stops here with one line
 * (exit 1), before anyone is mailed, instead of failing (or mailing unsigned) every recipient.
 */
export async function loadDkim(settings: DkimSettings): Promise<DkimKey> {
  const where = `DKIM_PRIVATE_KEY_PATH (${settings.privateKeyPath})`;
  let privateKey: string;
  try {
    privateKey = fs.readFileSync(settings.privateKeyPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permissions)' : code === 'EISDIR' ? 'is a folder' : (err as Error).message;
    throw new UserError(`${where} ${why}; DKIM needs the private key in PEM format (.env)`);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(privateKey);
  } catch {
    throw new UserError(`${where} is not a private key in PEM format ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")`);
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519') {
    throw new UserError(`${where} is a ${key.asymmetricKeyType ?? 'unknown'} key; DKIM signs with RSA (or Ed25519)`);
  }
  const dkim = { domainName: settings.domainName, keySelector: settings.keySelector, privateKey };
  const test = Buffer.from(`From: test@${settings.domainName}\r\nTo: test@${settings.domainName}\r\nSubject: DKIM test\r\n\r\nA test.\r\n`);
  try {
    await signDkim(test, dkim);
  } catch (err) {
    throw new UserError(`${where}: signing a test message failed (${(err as Error).message}); check the key`);
  }
  return dkim;
}

/** Signs one message; throws rather than return it unsigned (nodemailer passes a message through unsigned on a bad key). */
export async function signDkim(raw: Buffer, key: DkimKey): Promise<Buffer> {
  const signer = new DKIM({ domainName: key.domainName, keySelector: key.keySelector, privateKey: key.privateKey });
  const chunks: Buffer[] = [];
  for await (const chunk of signer.sign(Readable.from([raw])) as NodeJS.ReadableStream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const signed = Buffer.concat(chunks);
  if (signed.subarray(0, 16).toString('latin1').toLowerCase() !== 'dkim-signature: ') throw new Error('the message came out unsigned');
  return signed;
}
