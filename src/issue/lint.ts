import { DateTime } from 'luxon';
import type { Problem } from '../util/problems';
import { formatPath } from '../util/problems';
import type { YamlFile } from '../util/yaml-file';
import { eventId, eachEvent } from './events';
import type { Issue } from './schema';
import { endOf, existsInZone, isAllDay, toDateTime } from './time';

/** Subjects longer than this are cut off in most inboxes (RFC 5322's recommended line length). */
export const SUBJECT_MAX_CHARS = 78;

/**
 * Rules over a schema-valid issue: errors that need the time zone (a time the clock skips, an end
 * before its start, two events with one id) and the lint warnings, which never stop a build.
 */
export function lintIssue(issue: Issue, yf: YamlFile, zone: string): Problem[] {
  const problems: Problem[] = [];
  const report = (severity: Problem['severity'], path: (string | number)[], message: string, hint?: string) => {
    const { line, col } = yf.locate(path);
    problems.push({ severity, file: yf.file, line, col, path: formatPath(path), message, hint });
  };

  const weekStart = toDateTime(issue.week_of, zone).startOf('day');
  const weekEnd = weekStart.plus({ days: 6 }).endOf('day');
  const sendAt = issue.send_at ? toDateTime(issue.send_at, zone) : undefined;

  if (issue.send_at && !existsInZone(issue.send_at, zone)) {
    report('error', ['send_at'], `${issue.send_at} does not exist in ${zone} (the clock skips it)`, 'pick a time outside the daylight-saving jump');
  }
  if (!issue.preheader) report('warning', ['subject'], 'no preheader: inboxes will show the first words of the email instead', 'add `preheader:` with a one-line summary');
  if (issue.subject.length > SUBJECT_MAX_CHARS) {
    report('warning', ['subject'], `subject is ${issue.subject.length} characters; inboxes cut it after about ${SUBJECT_MAX_CHARS}`, 'shorten it');
  }

  const events = [...eachEvent(issue)];
  if (events.length === 0) report('error', [], 'the issue has no events', 'add `featured:` or `sections:` with events');

  const ids = new Map<string, (string | number)[]>();
  const seen = new Map<string, (string | number)[]>();
  let first: DateTime | undefined;

  for (const { event, path } of events) {
    for (const field of ['start', 'end'] as const) {
      const value = event[field];
      if (value && !existsInZone(value, zone)) {
        report('error', [...path, field], `${value} does not exist in ${zone}: the clock skips that hour`, 'daylight saving time starts then; pick another time');
      }
    }
    const start = toDateTime(event.start, zone);
    if (event.end) {
      const end = toDateTime(event.end, zone);
      if (isAllDay(event.start) !== isAllDay(event.end)) {
        report('error', [...path, 'end'], 'end must have the same form as start (both dates, or both dates with times)');
      } else if (isAllDay(event.end) ? end < start : end <= start) {
        report('error', [...path, 'end'], `ends (${event.end}) before it starts (${event.start})`, 'check the date and the 24-hour time');
      }
    }
    // An event that runs into the week (an overnight vigil from Sunday, a weekend canvass) is the week's.
    const inWeek = start <= weekEnd && endOf(event.start, event.end, zone) >= weekStart;
    // Events outside the week already get their own warning; they say nothing about send_at.
    if (inWeek && start >= weekStart && (!first || start < first)) first = start;

    if (!inWeek) {
      report(
        'warning',
        [...path, 'start'],
        `${start.toFormat('cccc, LLLL d')} is outside the week of ${weekStart.toFormat('LLLL d')}–${weekEnd.toFormat('LLLL d, yyyy')}`,
        'was this block copied from an older issue?',
      );
    }
    if (sendAt && endOf(event.start, event.end, zone) < sendAt) {
      report('warning', [...path, 'start'], `the event is already over when the issue is sent (${sendAt.toFormat('cccc, LLLL d, h:mm a')})`);
    }

    const id = eventId(event);
    const idPath = event.id ? [...path, 'id'] : [...path, 'title'];
    if (ids.has(id)) report('error', idPath, `two events have the id "${id}"`, 'give one of them its own `id:`');
    else ids.set(id, idPath);

    const key = `${event.title.toLowerCase()}|${event.start}`;
    if (seen.has(key)) report('warning', [...path, 'title'], `duplicate event: "${event.title}" at ${event.start} is listed twice`);
    else seen.set(key, path);
  }

  if (sendAt && first && sendAt > first) {
    report('warning', ['send_at'], `send_at is after the first event (${first.toFormat('cccc, LLLL d, h:mm a')}); readers will get it late`);
  }

  lintLinks(issue, report);
  return problems;
}

type Report = (severity: Problem['severity'], path: (string | number)[], message: string, hint?: string) => void;

function lintLinks(issue: Issue, report: Report): void {
  const labels = new Map<string, string>();
  const visit = (url: string, label: string | undefined, path: (string | number)[]) => {
    if (url.toLowerCase().startsWith('http:')) report('warning', path, `plain http: link (${url})`, 'use https: if the site supports it');
    if (label === undefined) return;
    const earlier = labels.get(url);
    if (earlier !== undefined && earlier !== label) {
      report('warning', path, `links to ${url} are labelled both "${earlier}" and "${label}"`, 'use one label for one destination');
    } else labels.set(url, label);
  };
  for (const { event, path } of eachEvent(issue)) {
    event.links?.forEach((l, i) => visit(l.url, l.label, [...path, 'links', i, 'url']));
    if (event.location?.url) visit(event.location.url, undefined, [...path, 'location', 'url']);
  }
  for (const [field, text] of [['intro', issue.intro]] as const) {
    for (const m of (text ?? '').matchAll(/\]\((http:[^)\s]+)\)/g)) visit(m[1]!, undefined, [field]);
  }
}
