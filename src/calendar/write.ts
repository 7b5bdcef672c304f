import { DateTime } from 'luxon';
import { Document, isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import type { IssueEvent } from '../issue/schema';
import type { CalendarEvent } from './expand';
import { toIssueEvent } from './map';

/** The subject is made from the first events' titles, up to this many characters. */
const SUBJECT_CHARS = 70;

export const SOURCE_COMMENT = 'calendar:';
export const IDS_COMMENT = 'calendar-ids:';

export interface IssueFromCalendar {
  /** First day of the week, in the publication's zone. */
  week: DateTime;
  /** Every source read, in the order given. */
  sources: string[];
  /** The week's events that are not cancelled, sorted by start. */
  events: CalendarEvent[];
  calendarUrl?: string;
  /** When the calendars were read (written in the header). */
  readAt: DateTime;
}

/**
 * The issue file for a week made from calendars: a header saying where the events came from and
 * how to curate them, a subject and preheader made from the titles, and one section with every
 * event in date order, each under a `# calendar: <source>` comment. `send_at` is left commented
 * out: an imported week is a draft until the editor has curated it.
 *
 * The header's `# calendar-ids:` lines list every event the calendars had in the week, so that
 * `check --feeds` can tell an event the editor deleted (quietly left out) from one added to the
 * calendar since (reported).
 */
export function issueFromCalendar(input: IssueFromCalendar): string {
  const { week } = input;
  const mapped = input.events.map((e) => ({ source: e.source, event: toIssueEvent(e) }));
  // Ids are unique in an issue; a calendar that gives two events one UID and date still passes check.
  const seen = new Map<string, number>();
  for (const m of mapped) {
    const n = (seen.get(m.event.id!) ?? 0) + 1;
    seen.set(m.event.id!, n);
    if (n > 1) m.event.id = `${m.event.id}-${n}`;
  }
  const slug = week.toISODate()!;
  const titles = mapped.map((m) => m.event.title);

  const doc = new Document({
    week_of: slug,
    subject: subjectFrom(titles),
    preheader: preheaderFrom(titles),
    ...(input.calendarUrl ? { intro: `Here is what is on this week. The full list is on our [online calendar](${input.calendarUrl}).\n` } : {}),
    sections: [{ title: 'This week', events: mapped.map((m) => m.event) }],
  });
  const sections = doc.get('sections') as YAMLSeq;
  const section = sections.items[0] as YAMLMap;
  const events = section.get('events') as YAMLSeq;
  events.items.forEach((node, i) => {
    if (isMap(node)) {
      node.commentBefore = ` ${SOURCE_COMMENT} ${mapped[i]!.source}`;
      flowSmallMaps(node);
    }
  });
  const sendAt = `${slug}T07:00`;
  const body = doc
    .toString({ lineWidth: 0, blockQuote: 'literal', defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' })
    .replace(/^(sections:)/m, `# send_at: ${sendAt}     # uncomment when the issue is curated and ready: \`send --due\` sends it then\n\n$1`);

  const header = [
    '# yaml-language-server: $schema=../issue.schema.json',
    `# The issue for the week of ${week.toFormat('LLLL d, yyyy')}, made from the calendars (read ${input.readAt.toUTC().toFormat("yyyy-MM-dd HH:mm")} UTC):`,
    ...input.sources.map((s) => `#   ${s}`),
    '# Curate it: delete what does not belong, reorder, move the headline event into `featured:`,',
    '# group events into sections, add notes; then fill in the subject and uncomment send_at.',
    '# Times are local (24-hour clock).',
    `# Check it with: npx newsletter check issues/${slug}.yaml`,
    `# and against the calendars again with: npx newsletter check --feeds issues/${slug}.yaml`,
    ...idLines(mapped.map((m) => m.event.id!)),
  ];
  return `${header.join('\n')}\n${body}`;
}

/** `title`, `start` and friends stay block style; links and places are one line each. */
function flowSmallMaps(event: YAMLMap): void {
  for (const pair of event.items) {
    const value = pair.value;
    if (isMap(value)) value.flow = true;
    if (isSeq(value)) for (const item of value.items) if (isMap(item)) item.flow = true;
  }
}

function idLines(ids: string[]): string[] {
  const lines: string[] = [];
  let line = '';
  for (const id of ids) {
    if (line && line.length + id.length > 90) {
      lines.push(`# ${IDS_COMMENT}${line}`);
      line = '';
    }
    line += ` ${id}`;
  }
  if (line) lines.push(`# ${IDS_COMMENT}${line}`);
  return lines;
}

export function subjectFrom(titles: string[]): string {
  if (titles.length === 0) return 'This week';
  let subject = `This week: ${titles[0]}`;
  if (subject.length > SUBJECT_CHARS) return `${subject.slice(0, SUBJECT_CHARS - 1).trimEnd()}…`;
  for (let i = 1; i < titles.length; i++) {
    const rest = titles.length - i - 1;
    const candidate = `${subject}, ${titles[i]}`;
    const tail = rest > 0 ? ` and ${rest} more` : '';
    if ((candidate + tail).length > SUBJECT_CHARS) return `${subject} and ${titles.length - i} more`;
    subject = candidate;
  }
  return subject;
}

function preheaderFrom(titles: string[]): string {
  const line = titles.slice(0, 6).join(' · ');
  return line.length > 140 ? `${line.slice(0, 139).trimEnd()}…` : line || 'This week';
}

export type { IssueEvent };
