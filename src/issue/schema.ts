import { DateTime } from 'luxon';
import { z } from 'zod';
import { isImageUrl, isLocalImagePath, isSafeUrl } from '../util/links';

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
  })
  .describe('A picture: { src: https link or images/file.png next to the issue, alt: what it shows }.');

export const Detail = z.strictObject({
  label: oneLine('the label'),
  text: requiredText('a paragraph, Markdown allowed'),
});

export const Event = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, { error: 'must be lowercase letters, digits and dashes' })
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
  image: Image.optional().describe("The event's flyer or photo."),
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
    hero_image: Image.optional().describe('A wide picture under the header.'),
    featured_label: oneLine('the label above the featured events').optional().describe('Overrides newsletter.yaml\'s featured_label for this issue.'),
    glance: z.boolean({ error: 'must be true or false' }).optional().describe('Show "This week at a glance" (overrides newsletter.yaml\'s glance).'),
    featured: z.array(Event).optional(),
    sections: z.array(Section).optional(),
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
