import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { calendarDrift } from '../../calendar/drift';
import { CONFIG_FILE, loadConfig, type Config, type Engine } from '../../config';
import type { LocalImage } from '../../issue/images';
import { checkIssueFile, issueSlug } from '../../issue/load';
import { toDateTime } from '../../issue/time';
import { readSendAt } from '../../schedule/schedule';
import { openStore, storeExists } from '../../store';
import { buildView } from '../../issue/view';
import { checkRendered } from '../../render/quality';
import { prepareIssue } from '../../send/message';
import { IssueError, UserError } from '../../util/errors';
import { hasErrors, sortProblems, type Problem } from '../../util/problems';
import type { RenderIssue } from './templates';

/**
 * What the preview knows about a project folder: its settings, its issues and, per issue and
 * engine, the rendered email with every problem found. Renders are cached and dropped only when a
 * file they depend on changes, so a save re-renders one issue, not all of them.
 */

export const ISSUES_DIR = 'issues';
export const OUTBOX_DIR = 'outbox';
const ISSUE_FILE = /\.ya?ml$/i;

export interface IssueEntry {
  slug: string;
  /** As shown to the editor: issues/2021-03-22.yaml */
  file: string;
  path: string;
}

export interface IssuePreview {
  slug: string;
  file: string;
  engine: Engine;
  /** Problems of newsletter.yaml (then nothing else could be checked), or of the issue and its rendered email. */
  problems: Problem[];
  errors: number;
  warnings: number;
  from?: string;
  subject?: string;
  preheader?: string;
  /** The email as a subscriber gets it, with a sample unsubscribe link. */
  html?: string;
  text?: string;
  /** Changes whenever the HTML does; the page reloads the email only then. */
  version?: string;
  /** Why there is no email to show although the YAML is fine (an engine's own error). */
  renderError?: string;
  /** Set when the page asked for the calendar comparison: the calendars read (empty: none named). */
  comparedWithCalendars?: string[];
  /**
   * When the file has errors now: the last email that rendered from it (this engine, since the
   * preview started), shown dimmed above the errors so the editor keeps their place.
   */
  lastGood?: { html: string; text: string; version: string };
}

/** Where an issue stands with the members, from the store (never from the file alone). */
export interface SendState {
  kind: 'sent' | 'sending' | 'stopped' | 'due' | 'scheduled';
  /** "Sent on Monday, March 22, 2021, 7:19 AM PDT, to 12 subscribers" */
  text: string;
}

type ConfigResult = { config: Config; problems: Problem[] } | { config?: undefined; problems: Problem[] };

export class PreviewProject {
  private configResult?: ConfigResult;
  private readonly renders = new Map<string, Promise<IssuePreview>>();
  private readonly lastGood = new Map<string, NonNullable<IssuePreview['lastGood']>>();

  constructor(
    readonly root: string,
    private readonly opts: { env: Record<string, string | undefined>; now: () => Date; renderer: () => RenderIssue },
  ) {}

  /** issues/*.yaml, newest first (files are named for their week, so by name). */
  issues(): IssueEntry[] {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.root, ISSUES_DIR), { withFileTypes: true })
        .filter((d) => d.isFile() && ISSUE_FILE.test(d.name))
        .map((d) => d.name);
    } catch {
      return [];
    }
    return names
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
      .map((name) => ({ slug: issueSlug(name), file: `${ISSUES_DIR}/${name}`, path: path.join(this.root, ISSUES_DIR, name) }));
  }

  /** The one entry with this slug, or undefined: a request's slug is only ever looked up here. */
  findIssue(slug: string): IssueEntry | undefined {
    return this.issues().find((i) => i.slug === slug);
  }

  config(): ConfigResult {
    if (!this.configResult) this.configResult = this.loadConfigSafely();
    return this.configResult;
  }

  defaultEngine(): Engine {
    return this.config().config?.publication.engine ?? 'react';
  }

  preview(entry: IssueEntry, engine: Engine): Promise<IssuePreview> {
    const key = `${entry.slug}\n${engine}`;
    let cached = this.renders.get(key);
    if (!cached) {
      cached = this.render(entry, engine);
      this.renders.set(key, cached);
    }
    return cached;
  }

  /**
   * The preview with the calendars compared (`?feeds=1`): what `check --feeds` says, added to the
   * checks. Asked for explicitly since it reads the network; never an error, never cached.
   */
  async withCalendarDrift(entry: IssueEntry, preview: IssuePreview): Promise<IssuePreview> {
    const config = this.config().config;
    if (!config || preview.errors) return preview;
    let loaded;
    let source: string;
    try {
      loaded = checkIssueFile(entry.path, config.publication.timezone, entry.file);
      source = fs.readFileSync(entry.path, 'utf8');
    } catch {
      return preview; // the file vanished since it was listed: the next reload says so
    }
    if (!loaded.issue) return preview;
    const drift = await calendarDrift({
      file: entry.file,
      source,
      issue: loaded.issue,
      zone: config.publication.timezone,
      feeds: config.publication.calendar_feeds,
      fetch: { root: this.root },
    });
    return withCounts({ ...preview, problems: sortProblems([...preview.problems, ...drift.problems]), comparedWithCalendars: drift.sources });
  }

  /** A picture next to the issue, by its published name (`images/rally.png`), as the email links it. */
  image(entry: IssueEntry, asset: string): LocalImage | undefined {
    const config = this.config().config;
    if (!config) return undefined;
    try {
      return [...checkIssueFile(entry.path, config.publication.timezone, entry.file).images?.values() ?? []].find((i) => i.asset === asset);
    } catch {
      return undefined;
    }
  }

  /** An issue file changed: its renders (both engines) are dropped. */
  issueChanged(fileName: string): void {
    const slug = issueSlug(fileName);
    for (const key of this.renders.keys()) if (key.startsWith(`${slug}\n`)) this.renders.delete(key);
  }

  /** newsletter.yaml, .env or a template changed: everything is rendered anew. */
  everythingChanged(): void {
    this.configResult = undefined;
    this.renders.clear();
  }

  private loadConfigSafely(): ConfigResult {
    try {
      return { config: loadConfig(this.root, this.opts.env), problems: [] };
    } catch (err) {
      // loadConfig names the file relative to the process's folder; the editor knows it by this name.
      if (err instanceof IssueError) return { problems: err.problems.map((p) => ({ ...p, file: CONFIG_FILE })) };
      if (err instanceof UserError) return { problems: [problemOf(CONFIG_FILE, err.message)] };
      throw err;
    }
  }

  private async render(entry: IssueEntry, engine: Engine): Promise<IssuePreview> {
    const base = { slug: entry.slug, file: entry.file, engine };
    const { config, problems: configProblems } = this.config();
    if (!config) return withCounts({ ...base, problems: configProblems });

    let loaded;
    try {
      loaded = checkIssueFile(entry.path, config.publication.timezone, entry.file, { now: this.opts.now(), siteUrl: config.publication.site_url });
    } catch (err) {
      // The file vanished or became unreadable between the listing and the read.
      if (err instanceof UserError) return withCounts({ ...base, problems: [problemOf(entry.file, err.message)] });
      throw err;
    }
    const from = config.publication.from;
    const key = `${entry.slug}\n${engine}`;
    if (!loaded.issue || hasErrors(loaded.problems)) return withCounts({ ...base, from, problems: loaded.problems, lastGood: this.lastGood.get(key) });

    // The issue's pictures are served by the preview itself, next to the email (`images/<name>`).
    const view = buildView(loaded.issue, config.publication, { slug: entry.slug, now: DateTime.fromJSDate(this.opts.now()), images: loaded.images, assetBase: '' });
    const shown = { ...base, from, subject: view.subject, preheader: view.preheader };
    let rendered;
    try {
      rendered = await this.opts.renderer()(view, engine);
    } catch (err) {
      // An engine that cannot render (not available, or a template error) is shown, not fatal.
      const message = err instanceof Error ? err.message : String(err);
      return withCounts({ ...shown, problems: loaded.problems, renderError: message });
    }
    const prepared = prepareIssue(rendered);
    const values = { unsubscribeUrl: `${config.publication.site_url}/u/sample` };
    const html = prepared.html(values);
    const text = prepared.text(values);
    const version = crypto.createHash('sha256').update(html).update('\0').update(text).digest('base64url').slice(0, 16);
    this.lastGood.set(key, { html, text, version });
    return withCounts({
      ...shown,
      problems: [...loaded.problems, ...checkRendered(rendered, entry.file)],
      html,
      text,
      version,
    });
  }

  /**
   * The issue's send state, read from the store on each request (a send in another process moves
   * it on): sent (when, to how many), sending or stopped, or due at its send_at. Undefined when
   * nothing was sent and the file has no usable send_at. The store is never created here.
   */
  async sendState(entry: IssueEntry): Promise<SendState | undefined> {
    const config = this.config().config;
    if (!config) return undefined;
    const zone = config.publication.timezone;
    const when = (d: DateTime) => d.setZone(zone).toFormat('cccc, LLLL d, yyyy, h:mm a ZZZZ');
    if (storeExists(config, fs.existsSync)) {
      const store = await openStore(config, { now: this.opts.now });
      try {
        const send = await store.ledger.findSend(entry.slug);
        if (send) {
          const c = await store.ledger.counts(send.id);
          const all = c.pending + c.sending + c.sent + c.failed + c.unknown + c.skipped;
          const to = `${c.sent.toLocaleString('en-US')} subscriber${c.sent === 1 ? '' : 's'}`;
          if (send.finishedAt) {
            const failed = c.failed + c.unknown ? ` (${c.failed} failed, ${c.unknown} unknown)` : '';
            return { kind: 'sent', text: `Sent on ${when(DateTime.fromISO(send.finishedAt, { zone: 'utc' }))}, to ${to}${failed}` };
          }
          const holder = await store.ledger.leaseHolder(send.id);
          if (holder && holder.until.getTime() > this.opts.now().getTime()) return { kind: 'sending', text: `Sending: ${c.sent} of ${all} sent so far` };
          return { kind: 'stopped', text: `Send stopped after ${c.sent} of ${all}: \`newsletter send ${entry.file}\` resumes it` };
        }
      } finally {
        await store.close();
      }
    }
    let found;
    try {
      found = readSendAt(fs.readFileSync(entry.path, 'utf8'));
    } catch {
      return undefined;
    }
    if (!found?.ok) return undefined;
    const sendAt = toDateTime(found.value, zone);
    if (!sendAt.isValid) return undefined;
    return sendAt.toMillis() > this.opts.now().getTime()
      ? { kind: 'scheduled', text: `Due at ${when(sendAt)} (send_at); not sent yet` }
      : { kind: 'due', text: `Due since ${when(sendAt)} (send_at); not sent yet` };
  }
}

function problemOf(file: string, message: string): Problem {
  return { severity: 'error', file, line: 1, col: 1, path: '', message };
}

function withCounts(p: Omit<IssuePreview, 'errors' | 'warnings'>): IssuePreview {
  const errors = p.problems.filter((x) => x.severity === 'error').length;
  return { ...p, errors, warnings: p.problems.length - errors };
}
