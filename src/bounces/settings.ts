import { UserError } from '../util/errors';

/**
 * The .env keys of bounce processing (secrets and machine settings; the soft-bounce policy is
 * in newsletter.yaml under `bounces:`). Read here so that they stay in one place.
 */
export interface BounceEnv {
  /** VERP: the envelope sender of each message becomes <local>+<signed delivery id>@<domain>. */
  bounceAddress?: string;
  imapUrl?: string;
  imapProcessedFolder: string;
  /** Amazon SES through SNS: the topic ARNs whose notifications are accepted. */
  sesTopicArns: string[];
  /** Postmark: the user:password put in the webhook URL (basic auth). */
  postmarkAuth?: { user: string; password: string };
  /** Mailgun: the HTTP webhook signing key. */
  mailgunSigningKey?: string;
  /** SendGrid: the signed event webhook's verification key (base64 DER or PEM). */
  sendgridPublicKey?: string;
}

const ADDRESS = /^[^@\s<>"+]+@[^@\s<>"]+\.[^@\s<>"]+$/;

export function readBounceEnv(env: Record<string, string | undefined>): BounceEnv {
  const blank = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  const bounceAddress = blank(env.BOUNCE_ADDRESS);
  if (bounceAddress && !ADDRESS.test(bounceAddress)) {
    throw new UserError(`BOUNCE_ADDRESS must be one bare address without "+", like bounces@example.org (got "${bounceAddress}")`);
  }
  const postmark = blank(env.POSTMARK_WEBHOOK_AUTH);
  let postmarkAuth: BounceEnv['postmarkAuth'];
  if (postmark) {
    const i = postmark.indexOf(':');
    if (i < 1 || i === postmark.length - 1) throw new UserError('POSTMARK_WEBHOOK_AUTH must be user:password (the credentials in the webhook URL you give Postmark)');
    postmarkAuth = { user: postmark.slice(0, i), password: postmark.slice(i + 1) };
  }
  return {
    ...(bounceAddress ? { bounceAddress: bounceAddress.toLowerCase() } : {}),
    ...(blank(env.BOUNCE_IMAP_URL) ? { imapUrl: blank(env.BOUNCE_IMAP_URL)! } : {}),
    imapProcessedFolder: blank(env.BOUNCE_IMAP_PROCESSED_FOLDER) ?? 'Processed',
    sesTopicArns: (blank(env.SES_SNS_TOPIC_ARN) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    ...(postmarkAuth ? { postmarkAuth } : {}),
    ...(blank(env.MAILGUN_WEBHOOK_SIGNING_KEY) ? { mailgunSigningKey: blank(env.MAILGUN_WEBHOOK_SIGNING_KEY)! } : {}),
    ...(blank(env.SENDGRID_WEBHOOK_PUBLIC_KEY) ? { sendgridPublicKey: blank(env.SENDGRID_WEBHOOK_PUBLIC_KEY)! } : {}),
  };
}
