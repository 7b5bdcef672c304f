import * as cheerio from 'cheerio';
import { generateAtomFeed } from 'feedsmith';
import { issueUrls } from '../render/calendar-links';

/**
 * The Atom feed of sent issues (`/feed.xml`), written by feedsmith's Atom generator: one entry per issue,
 * its current edition's web version as the full content. The web version is the page everyone
 * sees, with no unsubscribe link or token in it, so nothing personal reaches the feed.
 */

/** Entries in the feed: a few months of a weekly newsletter, enough for any reader that polls. */
export const FEED_ENTRIES = 20;

export interface FeedIssue {
  slug: string;
  subject: string;
  title: string;
  preheader: string | null;
  /** When the send started (the entry's `published`). */
  sentAt: string;
  /** When its current edition was made (the entry's `updated`: a correction bumps it). */
  updatedAt: string;
  /** The current edition's web version (a whole HTML document). */
  webHtml: string;
}

export interface FeedInput {
  publication: string;
  siteUrl: string;
  issues: readonly FeedIssue[];
}

export function feedUrls(siteUrl: string) {
  return { feed: `${siteUrl}/feed.xml`, archive: `${siteUrl}/issues/`, calendar: `${siteUrl}/calendar.ics`, webcal: siteUrl.replace(/^https?:/i, 'webcal:') + '/calendar.ics' };
}

export function atomFeed(input: FeedInput): string {
  const urls = feedUrls(input.siteUrl);
  const newest = input.issues.reduce((t, i) => Math.max(t, Date.parse(i.updatedAt)), 0);
  return generateAtomFeed({
    id: urls.archive,
    title: { value: input.publication },
    subtitle: { value: `Every issue of ${input.publication}` },
    updated: new Date(newest),
    links: [
      { href: urls.feed, rel: 'self', type: 'application/atom+xml' },
      { href: urls.archive, rel: 'alternate', type: 'text/html' },
    ],
    authors: [{ name: input.publication, uri: input.siteUrl }],
    rights: { value: input.publication },
    entries: input.issues.map((issue) => {
      const url = issueUrls(input.siteUrl, issue.slug).web;
      return {
        id: url,
        title: { value: issue.subject === issue.title ? issue.subject : `${issue.subject} (${issue.title})` },
        links: [{ href: url, rel: 'alternate', type: 'text/html' }],
        published: new Date(issue.sentAt),
        updated: new Date(issue.updatedAt),
        ...(issue.preheader ? { summary: { value: issue.preheader } } : {}),
        content: { type: 'html', value: bodyOf(issue.webHtml) },
      };
    }),
  }) as string;
}

/** A web version's body (feed readers show content inside their own page; its head is theirs), without hidden text. */
function bodyOf(html: string): string {
  const $ = cheerio.load(html);
  // The preheader and other email-only text hidden by inline style: feed readers drop styles.
  $('[style*="display:none"], [style*="display: none"]').remove();
  return ($('body').html() ?? html).trim();
}
