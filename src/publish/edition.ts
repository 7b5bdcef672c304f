import crypto from 'node:crypto';
import type { DateTime } from 'luxon';
import type { Config, Engine } from '../config';
import { loadIssueFile, type LoadedIssue } from '../issue/load';
import { buildView, type IssueView } from '../issue/view';
import { renderIssue, type Rendered } from '../render';
import { publishedAssets } from '../render/publish';
import { renderWebHtml } from '../render/web';
import type { Edition, EditionAsset, EditionContent } from '../store/types';
import { CALENDAR_TYPE, eventIcsPath, HTML_TYPE, WEB_VERSION_PATH, WEEK_ICS_PATH } from './paths';

/**
 * An issue file made into an edition: loaded (errors stop here), its view computed, rendered once
 * for the email (html and text with placeholders), and the files it publishes (the web version
 * and the calendars) rendered from the same view. `send` stores this; `build` writes it to dist/.
 *
 * To publish another kind of file with every issue (images, pages), add it to `assets` here:
 * the store keeps any list of named assets and `serve` answers them under /issues/<slug>/.
 */

export { CALENDAR_TYPE, eventIcsPath, HTML_TYPE, WEB_VERSION_PATH, WEEK_ICS_PATH } from './paths';

export interface EditionDraft {
  slug: string;
  view: IssueView;
  rendered: Rendered;
  loaded: LoadedIssue;
  content: EditionContent;
}

export interface DraftOptions {
  config: Config;
  /** Absolute path of the issue file. */
  file: string;
  /** As the editor named it, for messages. */
  display?: string;
  engine?: Engine;
  /** The moment the view is computed for ("TODAY" when the issue has no send_at). */
  viewAt: DateTime;
  /** The moment the calendars are stamped with (DTSTAMP, SEQUENCE): now. */
  stampAt: DateTime;
  /** Where it is published, when not the issue's own slug (a test send's draft, src/publish/draft.ts). */
  slug?: string;
}

export async function draftEdition(opts: DraftOptions): Promise<EditionDraft> {
  const { config } = opts;
  const loaded = loadIssueFile(opts.file, config.publication.timezone, opts.display ?? opts.file, { siteUrl: config.publication.site_url });
  const engine = opts.engine ?? config.publication.engine;
  const slug = opts.slug ?? loaded.slug;
  const view = buildView(loaded.issue, config.publication, { slug, now: opts.viewAt, images: loaded.images });
  const rendered = await renderIssue(view, engine);
  // The web version, the calendars, each event's "Add to calendar" page and the issue's pictures (src/render/publish.ts).
  const assets: EditionAsset[] = publishedAssets(view, await renderWebHtml(view, engine), loaded.images ?? new Map(), opts.stampAt);
  return {
    slug,
    view,
    rendered,
    loaded,
    content: {
      subject: rendered.subject,
      preheader: rendered.preheader ?? null,
      title: view.title,
      html: rendered.html,
      text: rendered.text,
      engine: rendered.engine,
      contentHash: contentHash(rendered),
      viewAt: opts.viewAt.toUTC().toISO()!,
      assets,
    },
  };
}

/** What tells two renderings of an issue apart: what members read (subject, HTML, text). */
export function contentHash(r: Pick<Rendered, 'subject' | 'html' | 'text'>): string {
  return crypto.createHash('sha256').update(r.subject).update('\0').update(r.html).update('\0').update(r.text).digest('hex');
}

/** An edition as the message builder takes it (src/send/message.ts prepareIssue). */
export function renderedOf(edition: Pick<Edition, 'subject' | 'preheader' | 'html' | 'text' | 'engine'>): Rendered {
  return { subject: edition.subject, preheader: edition.preheader ?? undefined, html: edition.html, text: edition.text, engine: edition.engine as Engine };
}

/** Lines of the plain-text part shown at most on each side when describing a change. */
const CHANGED_LINES_SHOWN = 8;

/**
 * What changed between a stored edition and a new rendering, as lines for the editor: the subject,
 * events added or removed, and the lines of the plain-text part (which carries every title, time,
 * place and link) that are only in one of them.
 */
export function describeChanges(
  before: Pick<EditionContent, 'subject' | 'preheader' | 'text'> & { assetPaths: readonly string[] },
  after: Pick<EditionContent, 'subject' | 'preheader' | 'text'> & { assetPaths: readonly string[] },
): string[] {
  const out: string[] = [];
  if (before.subject !== after.subject) out.push(`subject: "${before.subject}" → "${after.subject}"`);
  if ((before.preheader ?? '') !== (after.preheader ?? '')) out.push(`preheader: "${before.preheader ?? ''}" → "${after.preheader ?? ''}"`);
  const events = (paths: readonly string[]) => new Set(paths.filter((p) => p.startsWith('events/')).map((p) => p.slice('events/'.length, -'.ics'.length)));
  const was = events(before.assetPaths);
  const now = events(after.assetPaths);
  const added = [...now].filter((e) => !was.has(e));
  const removed = [...was].filter((e) => !now.has(e));
  if (added.length) out.push(`events added: ${added.join(', ')}`);
  if (removed.length) out.push(`events removed: ${removed.join(', ')}`);
  const { onlyBefore, onlyAfter } = lineDifference(before.text, after.text);
  const show = (sign: string, lines: string[]) => {
    for (const l of lines.slice(0, CHANGED_LINES_SHOWN)) out.push(`${sign} ${l}`);
    if (lines.length > CHANGED_LINES_SHOWN) out.push(`${sign} … and ${lines.length - CHANGED_LINES_SHOWN} more line${lines.length - CHANGED_LINES_SHOWN === 1 ? '' : 's'}`);
  };
  show('-', onlyBefore);
  show('+', onlyAfter);
  if (out.length === 0) out.push('the HTML of the email (its text part is the same)');
  return out;
}

/** Lines of the text part that only repeat what the lines around them say: underlines, links made from the event. */
const DERIVED_LINE = /^\s*([=-]+|(Add to Google Calendar|Add to calendar \(\.ics\)|Add to calendar|Map and calendar|Map): .*)\s*$/;
/** A changed line is shown cut to this many characters. */
const SHOWN_LINE_CHARS = 100;

/** Lines that one text has more often than the other, in the order they appear (blank and derived lines left out). */
function lineDifference(a: string, b: string): { onlyBefore: string[]; onlyAfter: string[] } {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const l of text.split('\n')) if (l.trim() && !DERIVED_LINE.test(l)) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  const only = (text: string, mine: Map<string, number>, theirs: Map<string, number>) => {
    const left = new Map([...mine].map(([l, n]) => [l, n - (theirs.get(l) ?? 0)]));
    const lines: string[] = [];
    for (const l of text.split('\n')) {
      const n = left.get(l) ?? 0;
      if (n > 0) {
        const t = l.trim();
        lines.push(t.length > SHOWN_LINE_CHARS ? `${t.slice(0, SHOWN_LINE_CHARS - 1)}…` : t);
        left.set(l, n - 1);
      }
    }
    return lines;
  };
  return { onlyBefore: only(a, ca, cb), onlyAfter: only(b, cb, ca) };
}
