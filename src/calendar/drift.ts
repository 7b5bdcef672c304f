import { DateTime } from 'luxon';
import { eachEvent } from '../issue/events';
import type { Issue, IssueEvent } from '../issue/schema';
import { formatPath, sortProblems, type Problem } from '../util/problems';
import { parseYamlFile } from '../util/yaml-file';
import { eventsInWeek, type CalendarEvent } from './expand';
import { readSource, type FetchOptions } from './fetch';
import { toIssueEvent } from './map';
import { IDS_COMMENT, SOURCE_COMMENT } from './write';

/**
 * `check --feeds`: reads the calendars again and compares them with the issue's events that came
 * from them (those under a `# calendar: <source>` comment, matched by id). Everything it finds is
 * a warning on the event's line: the time moved, the event was cancelled or is gone, the place
 * changed; and, on `week_of`, an event the calendar now has in the week that the issue does not
 * list (unless the header's `# calendar-ids:` shows it was there when the file was made and the
 * editor left it out). A calendar that cannot be read is a warning too, never an error.
 */

export interface DriftInput {
  /** The issue file as named in messages. */
  file: string;
  /** Its text (for the comments) and its checked content. */
  source: string;
  issue: Issue;
  zone: string;
  /** calendar_feeds from newsletter.yaml. */
  feeds: string[];
  fetch: FetchOptions;
}

export interface DriftResult {
  problems: Problem[];
  /** How many of the issue's events were compared with how many calendars. */
  compared: number;
  sources: string[];
}

export async function calendarDrift(input: DriftInput): Promise<DriftResult> {
  const { file, issue, zone } = input;
  const yf = parseYamlFile(file, input.source);
  const lines = input.source.split(/\r?\n/);
  const problems: Problem[] = [];
  const warn = (path: (string | number)[], message: string, hint?: string) => {
    const { line, col } = yf.locate(path);
    problems.push({ severity: 'warning', file, line, col, path: formatPath(path), message, hint });
  };

  const fromFeeds = [...eachEvent(issue)].map((located) => ({ ...located, source: sourceComment(lines, yf.locate([...located.path, 'title']).line) })).filter((e) => e.source);
  if (fromFeeds.length === 0) return { problems, compared: 0, sources: [] };
  const sources = [...new Set([...fromFeeds.map((e) => e.source!), ...input.feeds])];
  const knownIds = new Set(lines.flatMap((l) => new RegExp(`^#\\s*${IDS_COMMENT}(.*)$`).exec(l)?.[1]?.trim().split(/\s+/) ?? []));
  const issueIds = new Set([...eachEvent(issue)].map((e) => e.event.id).filter(Boolean));

  const read = new Map<string, CalendarEvent[]>();
  await Promise.all(
    sources.map(async (source) => {
      try {
        const { text } = await readSource(source, input.fetch);
        read.set(source, eventsInWeek(text, { source, zone, week: issue.week_of }).events);
      } catch (err) {
        const first = fromFeeds.find((e) => e.source === source);
        warn(first ? first.path : ['week_of'], `calendar ${source} could not be read, so its events were not compared: ${reason(err, source)}`);
      }
    }),
  );

  const byId = new Map<string, CalendarEvent>();
  for (const events of read.values()) for (const e of events) byId.set(toIssueEvent(e).id!, e);

  let compared = 0;
  for (const { event, path, source } of fromFeeds) {
    if (!read.has(source!) || !event.id) continue;
    compared++;
    const now = byId.get(event.id);
    if (!now) {
      warn(path, `"${event.title}" is no longer in the calendar this week (deleted, or moved to another week)`, 'remove it, or check the calendar');
      continue;
    }
    if (now.cancelled) {
      warn(path, `"${event.title}" is cancelled in the calendar`, 'remove it, or tell readers it is cancelled');
      continue;
    }
    if (now.start !== event.start || (now.end ?? '') !== (event.end ?? '')) {
      warn([...path, 'start'], `the calendar now says ${when(now.start, now.end)} (the issue says ${when(event.start, event.end)})`, 'update start and end');
    }
    const place = placeOf(toIssueEvent(now));
    if (normalize(place) !== normalize(placeOf(event))) {
      warn([...path, event.location ? 'location' : event.online ? 'online' : 'start'], `the calendar now gives the place as ${place ? `"${place}"` : 'none'} (the issue says ${placeOf(event) ? `"${placeOf(event)}"` : 'none'})`, 'update location or online');
    }
  }

  for (const [source, events] of read) {
    for (const e of events) {
      if (e.cancelled || e.private) continue;
      const id = toIssueEvent(e).id!;
      if (issueIds.has(id) || knownIds.has(id)) continue;
      warn(['week_of'], `"${e.title}" (${when(e.start, e.end)}) is in the calendar ${source} this week but not in the issue`, `add it; or, to leave it out, add ${id} to a \`# ${IDS_COMMENT}\` line`);
    }
  }
  return { problems: sortProblems(problems), compared, sources };
}

/**
 * The `# calendar: <source>` comment right above the `- ` line that starts the event whose title
 * is on `titleLine` (1-based); blank lines between are allowed.
 */
export function sourceComment(lines: string[], titleLine: number): string | undefined {
  let i = titleLine - 1;
  while (i > 0 && !/^\s*-\s/.test(lines[i]!)) i--;
  for (i--; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line) continue;
    return new RegExp(`^#\\s*${SOURCE_COMMENT}\\s*(\\S.*?)\\s*$`).exec(line)?.[1];
  }
  return undefined;
}

function placeOf(e: IssueEvent): string {
  const parts = [e.location?.name, e.location?.address, e.online].filter(Boolean);
  return parts.join(', ');
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/[\s,.]+/g, ' ').trim();
}

/** "Sunday, November 7, 1:00 pm – 3:00 pm", as an editor reads it. */
function when(start: string, end?: string): string {
  const s = DateTime.fromISO(start);
  const allDay = !start.includes('T');
  const day = (d: DateTime) => d.toFormat('cccc, LLLL d');
  const time = (d: DateTime) => d.toFormat('h:mm a').toLowerCase();
  if (allDay) return end && end !== start ? `${day(s)} – ${day(DateTime.fromISO(end))} (all day)` : `${day(s)} (all day)`;
  if (!end) return `${day(s)}, ${time(s)}`;
  const e = DateTime.fromISO(end);
  return e.hasSame(s, 'day') ? `${day(s)}, ${time(s)} – ${time(e)}` : `${day(s)}, ${time(s)} – ${day(e)}, ${time(e)}`;
}

function reason(err: unknown, source: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message;
}
