import path from 'node:path';
import { DateTime } from 'luxon';
import type { Problem } from '../util/problems';
import { formatPath } from '../util/problems';
import type { YamlFile } from '../util/yaml-file';
import { eventId, eachEvent } from './events';
import type { Issue } from './schema';
import { SKELETON_PLACEHOLDERS } from './skeleton';
import { endOf, existsInZone, isAllDay, toDateTime } from './time';

/** Subjects longer than this are cut off in most inboxes (RFC 5322's recommended line length). */
export const SUBJECT_MAX_CHARS = 78;

/** More events than this is not a weekly email; refused before anything is rendered. */
export const MAX_EVENTS = 200;

/** How far send_at may sit from week_of (either way) before it looks like a typo. */
export const SEND_AT_MAX_DAYS_FROM_WEEK = 7;

export interface LintOptions {
  /** The clock at check time: a send_at already past is reported. */
  now?: Date;
  /** The issue is about to be sent: placeholders are errors even without a send_at. */
  sending?: boolean;
  /**
   * The publication's site_url. While it is itself an example.org address (the demo's settings, whose
   * seed issue links there too), example.org links are not reported; `newsletter init` asks for the
   * chapter's real site_url, and from then on they are.
   */
  siteUrl?: string;
}

/** Domains reserved for examples (RFC 2606): a link there is a stand-in for the real one. */
export function isPlaceholderHost(host: string): boolean {
  return /(^|\.)example\.(org|com|net)$|\.example$/i.test(host);
}

const LINK_HOST = /\b(?:https?:\/\/(?:[^@\s/]*@)?|mailto:[^@\s]*@)([a-z0-9.-]+)/gi;

/** The first example-domain host a text links to. */
function placeholderHost(text: string): string | undefined {
  for (const m of text.matchAll(LINK_HOST)) if (isPlaceholderHost(m[1]!.replace(/\.$/, ''))) return m[1]!.replace(/\.$/, '');
  return undefined;
}

/**
 * Rules over a schema-valid issue: errors that need the time zone (a time the clock skips, an end
 * before its start, two events with one id), the placeholders that must never be sent, and the
 * lint warnings, which never stop a build.
 */
export function lintIssue(issue: Issue, yf: YamlFile, zone: string, opts: LintOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const report = (severity: Problem['severity'], path: (string | number)[], message: string, hint?: string) => {
    const { line, col } = yf.locate(path);
    problems.push({ severity, file: yf.file, line, col, path: formatPath(path, yf.data), message, hint });
  };

  const weekStart = toDateTime(issue.week_of, zone).startOf('day');
  const weekEnd = weekStart.plus({ days: 6 }).endOf('day');
  const sendAt = issue.send_at ? toDateTime(issue.send_at, zone) : undefined;

  const events = [...eachEvent(issue)];
  if (events.length > MAX_EVENTS) {
    report('error', [], `the issue has ${events.length} events; an email holds at most ${MAX_EVENTS}`, 'split it, or link to the full calendar');
    return problems;
  }

  if (issue.send_at && !existsInZone(issue.send_at, zone)) {
    report('error', ['send_at'], `${issue.send_at} does not exist in ${zone} (the clock skips it)`, 'pick a time outside the daylight-saving jump');
  }
  lintPlaceholders(issue, report, opts);

  // issues/2021-03-29.yaml copied from last week's file, week_of not updated (or the other way).
  const named = /(\d{4}-\d{2}-\d{2})/.exec(path.basename(yf.file))?.[1];
  if (named && named !== issue.week_of) {
    report('warning', ['week_of'], `the file is named for ${named} but week_of is ${issue.week_of}`, 'was it copied from another week? Fix week_of or rename the file');
  }
  if (sendAt && sendAt.isValid) {
    const days = Math.round(sendAt.startOf('day').diff(weekStart, 'days').days);
    if (Math.abs(days) > SEND_AT_MAX_DAYS_FROM_WEEK) {
      report(
        'warning',
        ['send_at'],
        `${longDate(sendAt, weekStart)} is ${Math.abs(days)} days ${days < 0 ? 'before' : 'after'} the week it is for (week_of ${longDate(weekStart, sendAt)})`,
        'check the month and the year',
      );
    }
    if (opts.now && sendAt.toMillis() < opts.now.getTime()) {
      report('warning', ['send_at'], `${longDate(sendAt, weekStart)}, ${sendAt.toFormat('h:mm a')} has already passed`, 'set a new time, or send it by hand: `send --due` leaves an issue more than stale_after_hours late');
    }
  }

  if (!issue.preheader) report('warning', ['subject'], 'no preheader: inboxes will show the first words of the email instead', 'add `preheader:` with a one-line summary');
  if (issue.subject.length > SUBJECT_MAX_CHARS) {
    report('warning', ['subject'], `subject is ${issue.subject.length} characters; inboxes cut it after about ${SUBJECT_MAX_CHARS}`, 'shorten it');
  }
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
      const otherYear = start.year !== weekStart.year && start.year !== weekEnd.year;
      report(
        'warning',
        [...path, 'start'],
        `${longDate(start, weekStart)} is outside the week of ${weekStart.toFormat('LLLL d')}–${weekEnd.toFormat('LLLL d, yyyy')}` +
          (otherYear ? `: the year is ${start.year}, not ${weekStart.year}` : ''),
        otherYear ? 'a typo in the year?' : 'was this block copied from an older issue?',
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

  lintOrder(issue, report, zone, (d) => d >= weekStart && d <= weekEnd);

  if (sendAt && first && sendAt > first) {
    report('warning', ['send_at'], `send_at is after the first event (${first.toFormat('cccc, LLLL d, h:mm a')}); readers will get it late`);
  }

  lintLinks(issue, report);
  return problems;
}

/** "Wednesday, December 3", with the year when it is not the one of `reference`. */
function longDate(d: DateTime, reference: DateTime): string {
  return d.toFormat(d.year === reference.year ? 'cccc, LLLL d' : 'cccc, LLLL d, yyyy');
}

/** Events within a section (and the featured ones) are read top to bottom as a week: in date order. */
function lintOrder(issue: Issue, report: Report, zone: string, inWeek: (d: DateTime) => boolean): void {
  const lists: [(string | number)[], Issue['featured']][] = [[['featured'], issue.featured]];
  for (const [s, section] of (issue.sections ?? []).entries()) lists.push([['sections', s, 'events'], section.events]);
  for (const [at, list] of lists) {
    let previous: { start: DateTime; title: string } | undefined;
    for (const [i, event] of (list ?? []).entries()) {
      const start = toDateTime(event.start, zone);
      // An event outside the week has its own warning; where it sits says nothing more.
      if (!inWeek(start)) continue;
      if (previous && start < previous.start) {
        report('warning', [...at, i, 'start'], `starts before "${previous.title}" above it (${previous.start.toFormat('cccc, LLLL d')})`, 'list events in date order');
      }
      if (!previous || start >= previous.start) previous = { start, title: event.title };
    }
  }
}

/**
 * The skeleton's stand-in texts and example.org links: a warning while drafting, an error once
 * the issue has a send_at (cron would send it) or is being sent. `send` and `send --due` run this.
 */
function lintPlaceholders(issue: Issue, report: Report, opts: LintOptions): void {
  const scheduled = Boolean(issue.send_at) || Boolean(opts.sending);
  // Without the publication's site_url there is no telling a stand-in link from the demo's own.
  const demo = opts.siteUrl === undefined || isPlaceholderHost(safeHost(opts.siteUrl));
  const why = opts.sending ? 'it would be sent as it is' : 'the issue has a send_at, so it would be sent as it is';
  const walk = (value: unknown, at: (string | number)[]): void => {
    if (typeof value === 'string') {
      // Short stand-ins ("A meeting") count only as the whole value; long ones wherever they are.
      const text = SKELETON_PLACEHOLDERS.find((p) => value.trim().replace(/\.$/, '') === p || (p.length >= 25 && value.includes(p)));
      if (text) {
        report(scheduled ? 'error' : 'warning', at, `still has the skeleton's text "${text}"${scheduled ? `; ${why}` : ''}`, 'write the real text');
      }
      const host = demo ? undefined : placeholderHost(value);
      if (host) report(scheduled ? 'error' : 'warning', at, `links to ${host}, an example address${scheduled ? `; ${why}` : ''}`, 'put the real link here');
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...at, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
  };
  walk(issue, []);
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
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
