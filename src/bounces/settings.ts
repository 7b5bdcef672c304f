import { z } from 'zod';

/**
 * The .env keys of bounce processing (secrets and machine settings; the soft-bounce policy is
 * in newsletter.yaml under `bounces:`). Their checks are part of the one .env schema
 * (src/config/env.ts), so a bad value is reported like any other: `.env:7:1  error  KEY: …`.
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

/** A VERP base must be bare: the program adds `+<signed delivery id>` itself. */
const BARE_ADDRESS = /^[^@\s<>"+]+@[^@\s<>"]+\.[^@\s<>"]+$/;

const ImapUrl = z.string().refine(
  (s) => {
    try {
      const url = new URL(s);
      return (url.protocol === 'imap:' || url.protocol === 'imaps:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'must look like imaps://user:password@imap.example.org/INBOX (special characters in the password percent-encoded)' },
);

const PostmarkAuth = z.string().transform((value, ctx) => {
  const i = value.indexOf(':');
  if (i < 1 || i === value.length - 1) {
    ctx.addIssue({ code: 'custom', message: 'must be user:password (the credentials in the webhook URL you give Postmark)' });
    return z.NEVER;
  }
  return { user: value.slice(0, i), password: value.slice(i + 1) };
});

/**
 * The bounce keys and their checks, for EnvSchema. `optional` is EnvSchema's own wrapper (a
 * blank value is unset), passed in so both files agree on it.
 */
export function bounceEnvKeys(optional: <T extends z.ZodType>(schema: T) => z.ZodType<z.output<T> | undefined>) {
  return {
    BOUNCE_ADDRESS: optional(z.string().regex(BARE_ADDRESS, { error: 'must be one bare address without "+", like bounces@example.org' })),
    BOUNCE_IMAP_URL: optional(ImapUrl),
    BOUNCE_IMAP_PROCESSED_FOLDER: optional(z.string()),
    SES_SNS_TOPIC_ARN: optional(z.string()),
    POSTMARK_WEBHOOK_AUTH: optional(PostmarkAuth),
    MAILGUN_WEBHOOK_SIGNING_KEY: optional(z.string()),
    SENDGRID_WEBHOOK_PUBLIC_KEY: optional(z.string()),
  };
}

/** The checked keys (as EnvSchema parsed them) → the settings bounce processing uses. */
export function toBounceEnv(e: {
  BOUNCE_ADDRESS?: string;
  BOUNCE_IMAP_URL?: string;
  BOUNCE_IMAP_PROCESSED_FOLDER?: string;
  SES_SNS_TOPIC_ARN?: string;
  POSTMARK_WEBHOOK_AUTH?: { user: string; password: string };
  MAILGUN_WEBHOOK_SIGNING_KEY?: string;
  SENDGRID_WEBHOOK_PUBLIC_KEY?: string;
}): BounceEnv {
  return {
    ...(e.BOUNCE_ADDRESS ? { bounceAddress: e.BOUNCE_ADDRESS.toLowerCase() } : {}),
    ...(e.BOUNCE_IMAP_URL ? { imapUrl: e.BOUNCE_IMAP_URL } : {}),
    imapProcessedFolder: e.BOUNCE_IMAP_PROCESSED_FOLDER ?? 'Processed',
    sesTopicArns: (e.SES_SNS_TOPIC_ARN ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    ...(e.POSTMARK_WEBHOOK_AUTH ? { postmarkAuth: e.POSTMARK_WEBHOOK_AUTH } : {}),
    ...(e.MAILGUN_WEBHOOK_SIGNING_KEY ? { mailgunSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY } : {}),
    ...(e.SENDGRID_WEBHOOK_PUBLIC_KEY ? { sendgridPublicKey: e.SENDGRID_WEBHOOK_PUBLIC_KEY } : {}),
  };
}
