import crypto from 'node:crypto';
import { WEB_VERSION_PATH } from './paths';
import type { EditionContent } from '../store/types';

/**
 * Test sends (`send --to`) publish a draft of the web version and calendars, so that every
 * link in a test message works. A draft lives at an unguessable address, /issues/<slug>.draft-<22
 * random characters>/, is never listed (archive, feed, calendar, status) and is served marked as a
 * draft and `noindex`.
 */
const DRAFT = '.draft-';

export function draftSlug(slug: string): string {
  return `${slug}${DRAFT}${crypto.randomBytes(16).toString('base64url')}`;
}

export function isDraftSlug(slug: string): boolean {
  return slug.includes(DRAFT);
}

/** The SQL LIKE pattern that leaves drafts out of listings. */
export const DRAFT_LIKE = `%${DRAFT}%`;

const BANNER =
  '<div role="note" style="background:#fff3cd;color:#533f03;border-bottom:1px solid #e0c36a;padding:8px 12px;font:14px/1.4 system-ui,sans-serif">' +
  'Draft: the web version of a test send, not published. Its address works only for this test.</div>';

/** The draft's web version says it is one, and asks search engines not to index it. */
export function markDraft(content: EditionContent): EditionContent {
  return {
    ...content,
    assets: content.assets.map((a) => {
      if (a.path !== WEB_VERSION_PATH) return a;
      let html = a.body.toString('utf8');
      html = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => `${m}<meta name="robots" content="noindex, nofollow">`) : `<meta name="robots" content="noindex, nofollow">${html}`;
      html = /<body[^>]*>/i.test(html) ? html.replace(/<body[^>]*>/i, (m) => `${m}${BANNER}`) : `${BANNER}${html}`;
      return { ...a, body: Buffer.from(html) };
    }),
  };
}
