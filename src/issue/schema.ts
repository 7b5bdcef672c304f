import { DateTime } from 'luxon';
import { z } from 'zod';
import { isImageUrl, isLocalImagePath, isSafeUrl } from '../util/links';
import { describeInvisible, INVISIBLE } from '../util/problems';

/**
 * The issue file format: one schema gives the TypeScript types, the validation of
 * issues/*.yaml, and issue.schema.json for editors' YAML extensions (`newsletter schema`).
 * Objects are strict: an unknown key is almost always a typo of a known one.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
/** The same as editors may write it (a space, a one-digit hour); what the JSON Schema allows. */
const DATE_TIME_AS_WRITTEN = /^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}$/;

/**
 * `2021-03-23 18:00` (a space, as most people write it) and `2021-03-23T6:00` mean the same as
 * `2021-03-23T18:00`/`…T06:00`: written the one way everything else reads.
 */
export function normaliseLocalTime(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T|\s+)(\d{1,2}):(\d{2})$/.exec(value.trim());
  return m ? `${m[1]}T${m[2]!.padStart(2, '0')}:${m[3]}` : value.trim();
}

/**
 * The text the sender fills in per recipient (the unsubscribe link). Typed into the issue, it would
 * be replaced by each member's own signed link, which then leaks to wherever the text points.
 */
export const RECIPIENT_PLACEHOLDER = /%%[A-Z0-9_]+%%/;

const text = (what: string) =>
  z
    .string({ error: `must be text (${what})` })
    .refine((s) => !RECIPIENT_PLACEHOLDER.test(s), {
      error: (iss) => `contains ${RECIPIENT_PLACEHOLDER.exec(String(iss.input))?.[0]}, which the sender replaces with each member's own unsubscribe link; remove it`,
      abort: true,
    });
const requiredText = (what: string) => text(what).trim().min(1, { error: 'must not be empty' });

const oneLine = (what: string) =>
  requiredText(what)
    .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line (no line breaks)', abort: true })
    .refine((s) => !INVISIBLE.test(s), {
      error: (iss) => `contains an invisible character (${describeInvisible(INVISIBLE.exec(String(iss.input))![0])}); retype the text around it`,
    });

export const LocalDate = z
  .string({ error: 'must be a date like 2021-03-22' })
  .regex(DATE, { error: 'must be a date like 2021-03-22', abort: true })
  .refine((s) => DateTime.fromISO(s).isValid, { error: 'is not a real calendar date (check the month and day)' });

export const LocalDateTime = z
  .string({ error: 'must be a local time like 2021-03-22T18:00' })
  .overwrite(normaliseLocalTime)
  .regex(DATE_TIME_AS_WRITTEN, { error: 'must be a local time like 2021-03-22T18:00 (24-hour clock)', abort: true })
  .refine((s) => DateTime.fromISO(s).isValid, { error: 'is not a real date and time (check the day, and hours 00–23)' });

const DateOrDateTime = z
  .string({ error: 'must be a date (2021-03-22) or a local time (2021-03-22T18:00)' })
  .overwrite(normaliseLocalTime)
  .refine((s) => DATE.test(s) || DATE_TIME.test(s), {
    error: 'must be a date (2021-03-22) or a local time (2021-03-22T18:00, 24-hour clock)',
    abort: true,
  })
  .refine((s) => DateTime.fromISO(s).isValid, { error: 'is not a real date and time (check the day, and hours 00–23)' });

export const SafeUrl = z
  .string({ error: 'must be a link (https://…)' })
  .trim()
  .refine((s) => !RECIPIENT_PLACEHOLDER.test(s) && !/%25%25/i.test(s), {
    error: "contains a placeholder the sender fills with each member's own unsubscribe link; link to the page itself",
    abort: true,
  })
  .refine(isSafeUrl, { error: 'must be an https:, http: or mailto: link' });

/** The message for a value of the wrong kind: the shape expected and a short example. */
const shape = (message: string) => ({ error: (iss: { code: string }) => (iss.code === 'invalid_type' ? message : undefined) });

export const Link = z.strictObject(
  {
    label: oneLine('the button text'),
    url: SafeUrl,
  },
  shape('must be a button with a label and a link, like { label: "RSVP", url: "https://…" }'),
);

/**
 * A picture: an https link, or a file next to the issue (`images/rally.png`, relative to the
 * issue's folder), which `build` and `send` publish with the web version (src/issue/images.ts
 * checks the file). `alt` says what the picture shows, for screen readers, blocked images and
 * the plain-text part.
 */
export const ImageSrc = z
  .string({ error: 'must be an https link or a file next to the issue (images/rally.png)' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .refine((s) => isImageUrl(s) || isLocalImagePath(s), {
    error: 'must be an https link or a file next to the issue such as images/rally.png (.png, .jpg, .gif or .webp; no "..")',
  });

export const Image = z
  .strictObject({
    src: ImageSrc,
    alt: z
      .string({ error: 'is required: a short description of what the picture shows (for screen readers, blocked images and the plain-text part)' })
      .trim()
      .min(1, { error: 'must describe the picture (for screen readers, blocked images and the plain-text part)' })
      .refine((s) => !/[\r\n]/.test(s), { error: 'must be a single line (no line breaks)' }),
  }, shape('must be a picture with its description, like image: { src: images/rally.png, alt: "Flyer: rally at Grand Park, Monday 8 am" }'))
  .describe('A picture: { src: https link or images/file.png next to the issue, alt: what it shows }.');

export const Location = z.strictObject(
  {
    name: oneLine('the place name'),
    address: oneLine('the street address').optional(),
    url: SafeUrl.optional(),
  },
  shape('must be a place with a name, like location: { name: "Grand Park", address: "200 N Grand Ave" } (for an online event, use online: Zoom)'),
);

export const Detail = z.strictObject(
  {
    label: oneLine('the label'),
    text: requiredText('a paragraph, Markdown allowed'),
  },
  shape('must be a label and a paragraph, like { label: Parking, text: "Behind the hall" }'),
);

/** An event id: it names the event's .ics file and its calendar UID, so it is kept plain. */
export const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;

export const Event = z.strictObject({
  id: z
    .string({ error: 'must be an id like dsa-101 (lowercase letters, digits and dashes)' })
    .regex(EVENT_ID, { error: 'must be lowercase letters, digits and dashes' })
    .optional()
    .describe('Stable id, used for calendar UIDs; defaults to one derived from the title and date.'),
  title: oneLine('the event name'),
  start: DateOrDateTime.describe('Local start: 2021-03-23T18:00, or 2021-03-23 for an all-day event.'),
  end: DateOrDateTime.optional().describe('Local end, after start.'),
  location: Location.optional(),
  online: oneLine('a platform name such as Zoom').optional(),
  description: requiredText('Markdown').optional(),
  details: z.array(Detail, shape('must be a list of labelled paragraphs, like details: [ { label: Parking, text: "Behind the hall" } ]')).optional(),
  notes: z.array(oneLine('a short note'), shape('must be a list of short lines, like notes: [ "Masks encouraged." ]')).optional(),
  links: z
    .array(Link, shape('must be a list of buttons, like links: [ { label: "RSVP", url: "https://…" } ]'))
    .optional()
    .describe('Buttons; the first is the primary call to action.'),
  image: Image.optional().describe("The event's flyer or photo."),
}, shape('must be an event with a title and a start, like "- title: DSA 101" with "start: 2021-03-23T18:00" under it'));

const EVENTS_LIST = 'must be a list of events, each starting with "- title: …"';

export const Section = z.strictObject(
  {
    title: oneLine('the section heading'),
    intro: requiredText('Markdown').optional(),
    events: z.array(Event, shape(EVENTS_LIST)).min(1, { error: 'a section needs at least one event' }),
  },
  shape('must be a section with a title and its events, like "- title: Meetings" with "events:" under it'),
);

export const IssueSchema = z
  .strictObject({
    week_of: LocalDate.describe('Monday (or first day) of the week this issue covers.'),
    title: oneLine('the issue title').optional().describe('Defaults to "Week of March 22, 2021".'),
    subject: oneLine('the email subject'),
    preheader: oneLine('the inbox preview line').optional(),
    send_at: LocalDateTime.optional().describe('Local time `send --due` sends it; also the day "(TODAY)" is computed for.'),
    intro: requiredText('Markdown').optional(),
    hero_image: Image.optional().describe('A wide picture under the header.'),
    featured_label: oneLine('the label above the featured events').optional().describe('Overrides newsletter.yaml\'s featured_label for this issue.'),
    glance: z.boolean({ error: 'must be true or false' }).optional().describe('Show "This week at a glance" (overrides newsletter.yaml\'s glance).'),
    featured: z.array(Event, shape(EVENTS_LIST)).optional(),
    sections: z.array(Section, shape('must be a list of sections, each starting with "- title: …" and its "events:"')).optional(),
  })
  .describe('One weekly issue of the newsletter.');

export type Issue = z.infer<typeof IssueSchema>;
export type IssueEvent = z.infer<typeof Event>;
export type IssueSection = z.infer<typeof Section>;
export type IssueLink = z.infer<typeof Link>;
export type IssueImage = z.infer<typeof Image>;

/** JSON Schema for editors' YAML extensions, generated from the same schema as the validation. */
export function issueJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(IssueSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Newsletter issue',
  };
}
