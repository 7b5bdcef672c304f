import fs from 'node:fs';
import path from 'node:path';
import { Duration, type DateTime } from 'luxon';
import { isMap, parseDocument } from 'yaml';
import type { Config } from '../config';
import { issueSlug } from '../issue/load';
import { LocalDateTime } from '../issue/schema';
import { existsInZone, toDateTime } from '../issue/time';
import type { DeliveryCounts, Ledger, SendRecord } from '../send/ledger';

/**
 * Where each issue in issues/ stands against its `send_at`: the one reading of the schedule that
 * `send --due` acts on and `status` shows.
 */

/** Issues live here, relative to the project folder. */
export const ISSUES_FOLDER = 'issues';

/**
 * `send --due` leaves alone an issue whose send_at is more than this long past: a weekly
 * publication's next issue has taken its place, and an archive of old issues in a fresh store must
 * not be refused (or sent) on every run, forever.
 */
export const SCHEDULE_WINDOW_DAYS = 7;

/**
 * scheduled: send_at is still to come. due: it has come, nothing sent yet, not stale.
 * stale: more than stale_after_hours late and never started. sending: a live process holds the
 * send's lease. stopped: started, not finished, nobody sending. sent: finished.
 */
export type ScheduleState = 'scheduled' | 'due' | 'stale' | 'sending' | 'stopped' | 'sent';

export interface StartedSend {
  record: SendRecord;
  counts: DeliveryCounts;
  /** A process holds the lease now (its lease has not run out). */
  leaseLive: boolean;
}

export interface ScheduledIssue {
  /** As the editor names it, relative to the project: `issues/2021-03-22.yaml`. */
  file: string;
  absolutePath: string;
  slug: string;
  sendAt: DateTime;
  /** send_at + stale_after_hours: a send not started by then is refused. */
  staleAt: DateTime;
  /** send_at + SCHEDULE_WINDOW_DAYS: past it, `send --due` no longer looks at the issue. */
  windowEndsAt: DateTime;
  state: ScheduleState;
  send?: StartedSend;
}

/** A file whose send_at is there but cannot be read as a time: it can never be sent on schedule. */
export interface UnreadableSchedule {
  file: string;
  absolutePath: string;
  value: string;
}

export interface Schedule {
  issues: ScheduledIssue[];
  unreadable: UnreadableSchedule[];
  /** Entries of issues/ that could not be read (a dangling symlink, no permission): warned about, never fatal. */
  skipped: { file: string; reason: string }[];
}

/** Every issue file with a send_at, oldest first, with its state at `now`. */
export async function readSchedule(config: Config, ledger: Ledger, now: Date): Promise<Schedule> {
  const zone = config.publication.timezone;
  const staleAfterHours = config.publication.send.stale_after_hours;
  const issues: ScheduledIssue[] = [];
  const unreadable: UnreadableSchedule[] = [];
  const { names, skipped } = issueFiles(config.root);
  for (const name of names) {
    const file = `${ISSUES_FOLDER}/${name}`;
    const absolutePath = path.join(config.root, ISSUES_FOLDER, name);
    let source: string;
    try {
      source = fs.readFileSync(absolutePath, 'utf8');
    } catch (err) {
      skipped.push({ file, reason: unreadableReason(err) });
      continue;
    }
    const found = readSendAt(source);
    if (found === undefined) continue;
    if (!found.ok || !existsInZone(found.value, zone)) {
      unreadable.push({ file, absolutePath, value: found.value });
      continue;
    }
    const sendAt = toDateTime(found.value, zone);
    const slug = issueSlug(name);
    const record = await ledger.findSend(slug);
    const send = record ? await startedSend(ledger, record, now) : undefined;
    const item = {
      file,
      absolutePath,
      slug,
      sendAt,
      staleAt: sendAt.plus({ hours: staleAfterHours }),
      windowEndsAt: sendAt.plus({ days: SCHEDULE_WINDOW_DAYS }),
      send,
    };
    issues.push({ ...item, state: stateOf(item, now) });
  }
  issues.sort((a, b) => a.sendAt.toMillis() - b.sendAt.toMillis() || a.file.localeCompare(b.file));
  return { issues, unreadable, skipped };
}

export function stateOf(item: Pick<ScheduledIssue, 'sendAt' | 'staleAt' | 'send'>, now: Date): ScheduleState {
  const t = now.getTime();
  if (item.send) {
    // The send's own lifecycle says finished; otherwise a live lease tells a running send from one
    // that stopped (a process that died leaves `sending` with a lease that runs out).
    if (item.send.record.state === 'finished') return 'sent';
    return item.send.leaseLive ? 'sending' : 'stopped';
  }
  if (t < item.sendAt.toMillis()) return 'scheduled';
  return t <= item.staleAt.toMillis() ? 'due' : 'stale';
}

async function startedSend(ledger: Ledger, record: SendRecord, now: Date): Promise<StartedSend> {
  const holder = await ledger.leaseHolder(record.id);
  return { record, counts: await ledger.counts(record.id), leaseLive: Boolean(holder && holder.until.getTime() > now.getTime()) };
}

/**
 * The issue files in issues/: `*.yaml`/`*.yml`, not hidden. Dot files are never issues (Emacs's
 * `.#name.yaml` lock is a dangling symlink while a buffer is unsaved; editors' swap and backup
 * files); an entry that cannot be examined is reported in `skipped`, never fatal.
 */
export function issueFiles(root: string): { names: string[]; skipped: { file: string; reason: string }[] } {
  let entries: string[];
  try {
    entries = fs.readdirSync(path.join(root, ISSUES_FOLDER));
  } catch {
    return { names: [], skipped: [] };
  }
  const names: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const n of entries.sort()) {
    if (n.startsWith('.') || !/\.ya?ml$/i.test(n)) continue;
    try {
      if (fs.statSync(path.join(root, ISSUES_FOLDER, n)).isFile()) names.push(n);
    } catch (err) {
      skipped.push({ file: `${ISSUES_FOLDER}/${n}`, reason: unreadableReason(err) });
    }
  }
  return { names, skipped };
}

function unreadableReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'a link to a file that does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permissions)';
  if (code === 'ELOOP') return 'a symbolic link loop';
  return (err as Error)?.message ?? String(err);
}

/**
 * The send_at of an issue file, read leniently: a file with errors elsewhere still says when it
 * was meant to go out, so `send --due` can report its errors once it is due instead of ignoring it.
 * undefined: the file has no send_at (or cannot be read as a mapping at all).
 */
export function readSendAt(source: string): { ok: boolean; value: string } | undefined {
  let doc;
  try {
    doc = parseDocument(source, { uniqueKeys: false });
  } catch {
    return undefined;
  }
  if (!isMap(doc.contents)) return undefined;
  const raw: unknown = doc.contents.get('send_at');
  if (raw === undefined || raw === null) return undefined;
  const value = String(raw);
  // "2021-03-22 07:00" is read as 2021-03-22T07:00, as check reads it.
  const parsed = LocalDateTime.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, value };
}

const RELATIVE_UNITS = ['days', 'hours', 'minutes'] as const;

/**
 * "in 6 days 23 hours", "10 hours 2 minutes ago": the largest unit and the next one, never rounded
 * up or down a whole unit (luxon's toRelative says "in 6 days" for nearly seven).
 */
export function relativeTime(at: DateTime, now: Date): string {
  const ms = at.toMillis() - now.getTime();
  if (Math.abs(ms) < 60_000) return ms >= 0 ? 'in less than a minute' : 'less than a minute ago';
  const d = Duration.fromMillis(Math.abs(ms)).shiftTo(...RELATIVE_UNITS);
  const first = RELATIVE_UNITS.findIndex((u) => Math.floor(d.get(u)) > 0);
  const parts = RELATIVE_UNITS.slice(first, first + 2)
    .map((u) => [u, Math.floor(d.get(u))] as const)
    .filter(([, n]) => n > 0)
    .map(([u, n]) => `${n} ${n === 1 ? u.slice(0, -1) : u}`);
  return ms >= 0 ? `in ${parts.join(' ')}` : `${parts.join(' ')} ago`;
}
