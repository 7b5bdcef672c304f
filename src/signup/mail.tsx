import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import MailComposer from 'nodemailer/lib/mail-composer';
import { renderToStaticMarkup } from 'react-dom/server';
import type { Config } from '../config';
import { senderDomain } from '../send/message';
import { CONFIRM_TTL_SECONDS } from './token';

/**
 * The confirmation message of a signup (double opt-in), in the publication's style, with a plain
 * text part. It carries the publication's own words and the link only: never the name typed into
 * the form, so the form cannot be used to mail a stranger a text of someone else's choosing.
 */

export interface ConfirmationInput {
  config: Config;
  /** The checked address: the only recipient. */
  to: string;
  confirmUrl: string;
  now: Date;
}

const FALLBACK_COLOR = '#EC1F27';

export function confirmationSubject(publication: string): string {
  return `Confirm your subscription to ${publication}`;
}

export function confirmationText(publication: string, confirmUrl: string, postal: string): string {
  const days = CONFIRM_TTL_SECONDS / 86400;
  return [
    `Confirm your subscription to ${publication}`,
    '',
    `Someone, hopefully you, asked for ${publication} to be sent to this address.`,
    `To confirm, open this link and press the button (it works for ${days} days):`,
    '',
    confirmUrl,
    '',
    'If it was not you, ignore this message: you will not be subscribed and will not hear from us again.',
    '',
    '-- ',
    publication,
    postal,
    '',
  ].join('\n');
}

export function confirmationHtml(config: Config, confirmUrl: string): string {
  const pub = config.publication;
  const color = /^#[0-9a-fA-F]{6}$/.test(pub.brand.color) ? pub.brand.color : FALLBACK_COLOR;
  const days = CONFIRM_TTL_SECONDS / 86400;
  const font = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
  return (
    '<!doctype html>' +
    renderToStaticMarkup(
      <html lang="en">
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{confirmationSubject(pub.name)}</title>
        </head>
        <body style={{ margin: 0, padding: 0, background: '#f4f4f5', fontFamily: font }}>
          <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} style={{ background: '#f4f4f5' }}>
            <tbody>
              <tr>
                <td align="center" style={{ padding: '32px 12px' }}>
                  <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} style={{ maxWidth: 520, background: '#ffffff', borderTop: `6px solid ${color}`, borderRadius: 8 }}>
                    <tbody>
                      <tr>
                        <td style={{ padding: '28px 24px', color: '#18181b', fontFamily: font, fontSize: 17, lineHeight: 1.5 }}>
                          <p style={{ margin: '0 0 4px', fontSize: 13, fontWeight: 600, letterSpacing: '.04em', textTransform: 'uppercase', color: '#52525b' }}>{pub.name}</p>
                          <h1 style={{ margin: '0 0 12px', fontSize: 24, lineHeight: 1.25 }}>Confirm your subscription</h1>
                          <p style={{ margin: '0 0 20px' }}>Someone, hopefully you, asked for {pub.name} to be sent to this address. Press the button to confirm.</p>
                          <table role="presentation" cellPadding={0} cellSpacing={0}>
                            <tbody>
                              <tr>
                                <td style={{ background: color, borderRadius: 6 }}>
                                  <a href={confirmUrl} style={{ display: 'inline-block', padding: '12px 22px', color: '#ffffff', fontWeight: 600, textDecoration: 'none' }}>
                                    Yes, subscribe me
                                  </a>
                                </td>
                              </tr>
                            </tbody>
                          </table>
                          <p style={{ margin: '20px 0 0', fontSize: 14, color: '#52525b' }}>
                            The link works for {days} days. If it was not you, ignore this message: you will not be subscribed and will not hear from us again.
                          </p>
                        </td>
                      </tr>
                    </tbody>
                  </table>
                  <p style={{ margin: '16px 0 0', fontSize: 12, color: '#71717a' }}>{pub.postal_address}</p>
                </td>
              </tr>
            </tbody>
          </table>
        </body>
      </html>,
    )
  );
}

/** The whole message, DKIM-signed when DKIM is configured, ready for the transport. */
export async function composeConfirmation(input: ConfirmationInput): Promise<Buffer> {
  const pub = input.config.publication;
  const id = crypto.randomBytes(16).toString('base64url');
  const mail = new MailComposer({
    from: pub.from,
    to: input.to,
    ...(pub.reply_to ? { replyTo: pub.reply_to } : {}),
    subject: confirmationSubject(pub.name),
    text: confirmationText(pub.name, input.confirmUrl, pub.postal_address),
    html: confirmationHtml(input.config, input.confirmUrl),
    messageId: `<confirm.${id}@${senderDomain(pub)}>`,
    date: input.now,
    headers: { 'Auto-Submitted': 'auto-replied' },
  });
  let raw = await mail.compile().build();
  const dkim = input.config.env.dkim;
  if (dkim) {
    const signer = new DKIM({ domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey: fs.readFileSync(dkim.privateKeyPath, 'utf8') });
    const chunks: Buffer[] = [];
    for await (const c of signer.sign(Readable.from([raw]))) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    raw = Buffer.concat(chunks);
  }
  return raw;
}
