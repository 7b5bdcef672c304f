import { IANAZone } from 'luxon';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { SafeUrl } from '../issue/schema';
import { isWebUrl } from '../util/links';

/** newsletter.yaml: the publication's settings, checked in beside the issues. */

const WebUrl = z
  .string({ error: 'must be a link (https://…)' })
  .trim()
  .refine(isWebUrl, { error: 'must be an https: or http: link' })
  .transform((s) => s.replace(/\/+$/, ''));

/** One mailbox, "Name <local@domain>" or a bare address; parsed by nodemailer's parser. */
const Mailbox = z
  .string({ error: 'must be an address like "Name <news@example.org>"' })
  .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line' })
  .refine(
    (s) => {
      const parsed = addressparser(s, { flatten: true });
      return parsed.length === 1 && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(parsed[0]?.address ?? '');
    },
    { error: 'must be one address like "Name <news@example.org>"' },
  );

/** A calendar feed: an http(s) (or webcal) address of an iCalendar feed, or an .ics file in the project. */
const CalendarSource = z
  .string({ error: 'must be an https:// address of an iCalendar feed, or an .ics file path' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line' })
  .refine((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(https?|webcals?):\/\/[^\s]+$/i.test(s), {
    error: 'must be an https: or http: address (webcal: is read as https:)',
  });

export const SendSettings = z.strictObject({
  rate_per_second: z.number().positive().max(10000).default(14),
  connections: z.number().int().min(1).max(50).default(5),
  max_errors: z.number().int().min(0).default(50),
  stale_after_hours: z.number().positive().default(6),
  max_attempts: z.number().int().min(1).max(20).default(5),
  /** First retry after a 4xx; each later attempt waits twice as long. */
  retry_delay_seconds: z.number().min(0).max(3600).default(30),
});

/** How bounce processing treats soft bounces (`newsletter bounces`, the relay webhooks). */
export const BounceSettings = z.strictObject({
  /** Suppress an address after this many soft-bounced deliveries ... */
  soft_bounce_limit: z.number().int().min(1).max(100).default(3),
  /** ... among the deliveries sent to it in this many days. */
  soft_bounce_days: z.number().int().min(1).max(365).default(30),
});

export const PublicationSchema = z.strictObject({
  name: z.string().trim().min(1),
  from: Mailbox,
  reply_to: Mailbox.optional(),
  timezone: z.string().refine((z) => IANAZone.isValidZone(z), { error: 'must be an IANA time zone such as America/Los_Angeles' }),
  site_url: WebUrl.describe('Public base URL of `newsletter serve`.'),
  calendar_url: SafeUrl.optional(),
  calendar_feeds: z
    .array(CalendarSource)
    .default([])
    .describe('iCalendar feeds (https:// addresses or .ics files) that `newsletter new` reads the week\'s events from.'),
  brand: z
    .strictObject({
      color: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour like #EC1F27' })
        .default('#EC1F27'),
      logo_url: WebUrl.optional(),
      logo_alt: z.string().optional(),
    })
    .default({ color: '#EC1F27' }),
  featured_label: z
    .string()
    .trim()
    .min(1)
    .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line' })
    .default("This week's headline")
    .describe('The label on the featured events\' card; an issue can set its own.'),
  glance: z.boolean().default(false).describe('Show "This week at a glance" (day, time, title of every event) after the intro; an issue can turn it on or off.'),
  social: z.array(z.strictObject({ label: z.string().min(1), url: SafeUrl })).default([]),
  postal_address: z.string().trim().min(1, { error: 'is required by anti-spam law (CAN-SPAM); a PO box is fine' }),
  reason: z
    .string()
    .optional()
    .describe('Why the reader gets this email; defaults to a line naming the publication.'),
  engine: z.enum(['react', 'mjml']).default('react'),
  send: SendSettings.default(SendSettings.parse({})),
  bounces: BounceSettings.default(BounceSettings.parse({})),
});

export type Publication = z.infer<typeof PublicationSchema>;
export type Engine = Publication['engine'];
