import { IANAZone } from 'luxon';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { SafeUrl } from '../issue/schema';
import { isWebUrl } from '../util/links';
import { describeInvisible, INVISIBLE } from '../util/problems';

/** newsletter.yaml: the publication's settings, checked in beside the issues. */

const WebUrl = z
  .string({ error: 'must be a link (https://…)' })
  .trim()
  .refine(isWebUrl, { error: 'must be an https: or http: link' })
  .transform((s) => s.replace(/\/+$/, ''));

/**
 * One mailbox, "Name <local@domain>" or a bare address; parsed by nodemailer's parser. The name is
 * shown by mail apps as the sender: a second address in it ("news@bank.com" <x@y.org>) or an
 * invisible line break would make the email look as if it came from someone else.
 */
const Mailbox = z
  .string({ error: 'must be an address like "Name <news@example.org>"' })
  .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line', abort: true })
  .refine((s) => !INVISIBLE.test(s), {
    error: (iss) => `contains an invisible character (${describeInvisible(INVISIBLE.exec(String(iss.input))![0])}); retype it`,
    abort: true,
  })
  .refine(
    (s) => {
      const parsed = addressparser(s, { flatten: true });
      return parsed.length === 1 && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(parsed[0]?.address ?? '');
    },
    { error: 'must be one address like "Name <news@example.org>"', abort: true },
  )
  .refine((s) => !/[@<>]/.test(addressparser(s, { flatten: true })[0]?.name ?? ''), {
    error: 'the name part must not contain an address or < >: write it as "Chapter Name <news@example.org>"',
  });

/** A calendar feed: an http(s) (or webcal) address of an iCalendar feed, or an .ics file in the project. */
const CalendarSource = z
  .string({ error: 'must be an https:// address of an iCalendar feed, or an .ics file path' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line' })
  .refine((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(https?|webcals?):\/\/[^\s]+$/i.test(s), {
    error: 'must be an https: or http: address (webcal: is read as https:)',
  });

/** site_url: unsubscribe and web-version paths are appended to it, so it cannot carry ?query or #fragment. */
const SiteUrl = z
  .string({ error: 'must be a link (https://…)' })
  .trim()
  .refine(isWebUrl, { error: 'must be an https: or http: link', abort: true })
  .refine((s) => !/[?#]/.test(s), { error: 'must be a plain address without "?" or "#" (links are added after it: <site_url>/u/…)' })
  .transform((s) => s.replace(/\/+$/, ''));

const num = (example: string) => z.number({ error: `must be a number, e.g. ${example}` });

export const SendSettings = z.strictObject(
  {
    /** Messages per second over all connections together; fractions are kept (0.5 = 30 a minute). */
    rate_per_second: num('14').positive({ error: 'must be more than 0' }).max(10000, { error: 'must be at most 10000' }).default(14),
    connections: num('5').int({ error: 'must be a whole number, e.g. 5' }).min(1, { error: 'must be at least 1' }).max(50, { error: 'must be at most 50' }).default(5),
    max_errors: num('50').int({ error: 'must be a whole number, e.g. 50' }).min(0, { error: 'must be 0 or more' }).default(50),
    stale_after_hours: num('6').positive({ error: 'must be more than 0' }).default(6),
    max_attempts: num('5').int({ error: 'must be a whole number, e.g. 5' }).min(1, { error: 'must be at least 1' }).max(20, { error: 'must be at most 20' }).default(5),
    /** First retry after a 4xx; each later attempt waits twice as long. */
    retry_delay_seconds: num('30').min(0, { error: 'must be 0 or more' }).max(3600, { error: 'must be at most 3600' }).default(30),
    /** The provider's caps, over a rolling hour and day and every send: a send that reaches one pauses (exit 3) and the next run resumes. */
    max_per_hour: num('100').int({ error: 'must be a whole number, e.g. 100' }).min(1, { error: 'must be at least 1' }).optional(),
    max_per_day: num('10000').int({ error: 'must be a whole number, e.g. 10000' }).min(1, { error: 'must be at least 1' }).optional(),
  },
  { error: (iss) => (iss.code === 'invalid_type' ? 'must be a block of settings, like send: { rate_per_second: 14, connections: 5 }' : undefined) },
);

/** How bounce processing treats soft bounces (`newsletter bounces`, the relay webhooks). */
export const BounceSettings = z.strictObject({
  /** Suppress an address after this many soft-bounced deliveries ... */
  soft_bounce_limit: z.number().int().min(1).max(100).default(3),
  /** ... among the deliveries sent to it in this many days. */
  soft_bounce_days: z.number().int().min(1).max(365).default(30),
});

export const PublicationSchema = z.strictObject({
  name: z.string({ error: 'must be text (the publication\'s name), e.g. name: "DSA Los Angeles"' }).trim().min(1, { error: 'must not be empty' }),
  from: Mailbox,
  reply_to: Mailbox.optional(),
  timezone: z.string({ error: 'must be an IANA time zone such as America/Los_Angeles' }).refine((z) => IANAZone.isValidZone(z), { error: 'must be an IANA time zone such as America/Los_Angeles' }),
  site_url: SiteUrl.describe('Public base URL of `newsletter serve`.'),
  calendar_url: SafeUrl.optional(),
  calendar_feeds: z
    .array(CalendarSource)
    .default([])
    .describe('iCalendar feeds (https:// addresses or .ics files) that `newsletter new` reads the week\'s events from.'),
  brand: z
    .strictObject({
      color: z
        .string({ error: 'must be a colour like "#EC1F27" (in quotes)' })
        .regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour like #EC1F27' })
        .default('#EC1F27'),
      logo_url: WebUrl.optional(),
      logo_alt: z.string({ error: 'must be text (the logo\'s description)' }).optional(),
    }, { error: (iss) => (iss.code === 'invalid_type' ? 'must be a block like brand: { color: "#EC1F27", logo_url: https://… }' : undefined) })
    .default({ color: '#EC1F27' }),
  featured_label: z
    .string()
    .trim()
    .min(1)
    .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line' })
    .default("This week's headline")
    .describe('The label on the featured events\' card; an issue can set its own.'),
  glance: z.boolean().default(false).describe('Show "This week at a glance" (day, time, title of every event) after the intro; an issue can turn it on or off.'),
  social: z
    .array(
      z.strictObject(
        { label: z.string({ error: 'must be text, e.g. Instagram' }).min(1, { error: 'must not be empty' }), url: SafeUrl },
        { error: (iss) => (iss.code === 'invalid_type' ? 'must be a link with a label, like { label: Instagram, url: https://instagram.com/… }' : undefined) },
      ),
      { error: 'must be a list of links, like social: [ { label: Instagram, url: https://instagram.com/… } ]' },
    )
    .default([]),
  postal_address: z.string({ error: 'must be text: the postal address printed in the footer' }).trim().min(1, { error: 'is required by anti-spam law (CAN-SPAM); a PO box is fine' }),
  reason: z
    .string({ error: 'must be text (one sentence)' })
    .optional()
    .describe('Why the reader gets this email; defaults to a line naming the publication.'),
  engine: z.enum(['react', 'mjml'], { error: 'must be react or mjml' }).default('react'),
  send: SendSettings.default(SendSettings.parse({})),
  bounces: BounceSettings.default(BounceSettings.parse({})),
});

export type Publication = z.infer<typeof PublicationSchema>;
export type Engine = Publication['engine'];
