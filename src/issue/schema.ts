import { DateTime } from 'luxon';
import { z } from 'zod';
import { isSafeUrl } from '../util/links';

/**
 * The issue file format: one schema gives the TypeScript types, the validation of
 * issues/*.yaml, and issue.schema.json for editors' YAML extensions (`newsletter schema`).
 * Objects are strict: an unknown key is almost always a typo of a known one.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

const text = (what: string) => z.string({ error: `must be text (${what})` });
const requiredText = (what: string) => text(what).trim().min(1, { error: 'must not be empty' });

const oneLine = (what: string) =>
  requiredText(what).refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line (no line breaks)' });

export const LocalDate = z
  .string({ error: 'must be a date like 2021-03-22' })
  .regex(DATE, { error: 'must be a date like 2021-03-22', abort: true })
  .refine((s) => DateTime.fromISO(s).isValid, { error: 'is not a real calendar date (check the month and day)' });

export const LocalDateTime = z
  .string({ error: 'must be a local time like 2021-03-22T18:00' })
  .regex(DATE_TIME, { error: 'must be a local time like 2021-03-22T18:00 (24-hour clock)', abort: true })
  .refine((s) => DateTime.fromISO(s).isValid, { error: 'is not a real date and time (check the day, and hours 00–23)' });

const DateOrDateTime = z
  .string({ error: 'must be a date (2021-03-22) or a local time (2021-03-22T18:00)' })
  .refine((s) => DATE.test(s) || DATE_TIME.test(s), {
    error: 'must be a date (2021-03-22) or a local time (2021-03-22T18:00, 24-hour clock)',
    abort: true,
  })
  .refine((s) => DateTime.fromISO(s).isValid, { error: 'is not a real date and time (check the day, and hours 00–23)' });

export const SafeUrl = z
  .string({ error: 'must be a link (https://…)' })
  .trim()
  .refine(isSafeUrl, { error: 'must be an https:, http: or mailto: link' });

export const Link = z.strictObject({
  label: oneLine('the button text'),
  url: SafeUrl,
});

export const Location = z.strictObject({
  name: oneLine('the place name'),
  address: oneLine('the street address').optional(),
  url: SafeUrl.optional(),
});

export const Detail = z.strictObject({
  label: oneLine('the label'),
  text: requiredText('a paragraph, Markdown allowed'),
});

/** An event id: it names the event's .ics file and its calendar UID, so it is kept plain. */
export const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;

export const Event = z.strictObject({
  id: z
    .string()
    .regex(EVENT_ID, { error: 'must be lowercase letters, digits and dashes' })
    .optional()
    .describe('Stable id, used for calendar UIDs; defaults to one derived from the title and date.'),
  title: oneLine('the event name'),
  start: DateOrDateTime.describe('Local start: 2021-03-23T18:00, or 2021-03-23 for an all-day event.'),
  end: DateOrDateTime.optional().describe('Local end, after start.'),
  location: Location.optional(),
  online: oneLine('a platform name such as Zoom').optional(),
  description: requiredText('Markdown').optional(),
  details: z.array(Detail).optional(),
  notes: z.array(oneLine('a short note')).optional(),
  links: z.array(Link).optional().describe('Buttons; the first is the primary call to action.'),
});

export const Section = z.strictObject({
  title: oneLine('the section heading'),
  intro: requiredText('Markdown').optional(),
  events: z.array(Event).min(1, { error: 'a section needs at least one event' }),
});

export const IssueSchema = z
  .strictObject({
    week_of: LocalDate.describe('Monday (or first day) of the week this issue covers.'),
    title: oneLine('the issue title').optional().describe('Defaults to "Week of March 22, 2021".'),
    subject: oneLine('the email subject'),
    preheader: oneLine('the inbox preview line').optional(),
    send_at: LocalDateTime.optional().describe('Local time `send --due` sends it; also the day "(TODAY)" is computed for.'),
    intro: requiredText('Markdown').optional(),
    featured: z.array(Event).optional(),
    sections: z.array(Section).optional(),
  })
  .describe('One weekly issue of the newsletter.');

export type Issue = z.infer<typeof IssueSchema>;
export type IssueEvent = z.infer<typeof Event>;
export type IssueSection = z.infer<typeof Section>;
export type IssueLink = z.infer<typeof Link>;

/** JSON Schema for editors' YAML extensions, generated from the same schema as the validation. */
export function issueJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(IssueSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Newsletter issue',
  };
}
