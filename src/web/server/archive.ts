import { DateTime } from 'luxon';
import type { Config } from '../../config';
import { subscribedCalendar } from '../../publish/calendar';
import { WEB_VERSION_PATH, WEEK_ICS_PATH } from '../../publish/edition';
import { atomFeed, FEED_ENTRIES, feedUrls } from '../../publish/feed';
import type { EditionStore, PublishedIssue } from '../../store/types';
import { archivePage, type PageStyle } from './pages';

/**
 * The pages made of every sent issue: the archive (`/issues/`), the Atom feed (`/feed.xml`) and
 * the subscribed calendar (`/calendar.ics`), all from the store's current editions. Editions never
 * change, so each document is made once per set of current editions (a new send or a correction
 * makes a new set) and kept; the calendar is made again at most hourly as events age out.
 */

/** The calendar's window of past events moves with the clock; an hour late is fine. */
const CALENDAR_REMAKE_MS = 3600_000;

export class PublicArchive {
  private readonly cache = new Map<string, { key: string; at: number; body: Buffer }>();

  constructor(
    private readonly config: Config,
    private readonly editions: Pick<EditionStore, 'published' | 'asset'>,
    private readonly style: PageStyle,
    private readonly now: () => Date,
  ) {}

  async archive(): Promise<Buffer> {
    return this.made('archive', await this.editions.published(), (issues) => {
      const pub = this.config.publication;
      const urls = feedUrls(pub.site_url);
      const html = archivePage(this.style, {
        publication: pub.name,
        issues: issues.map((i) => {
          const sent = DateTime.fromISO(i.sentAt, { zone: 'utc' }).setZone(pub.timezone).setLocale('en-US');
          return { date: sent.toFormat('LLLL d, yyyy'), isoDate: sent.toISODate()!, subject: i.edition.subject, title: i.edition.title, href: `${encodeURIComponent(i.slug)}/` };
        }),
        feedHref: '../feed.xml',
        calendarWebcal: urls.webcal,
        calendarHttps: urls.calendar,
      });
      return Promise.resolve(Buffer.from(html));
    });
  }

  async feed(): Promise<Buffer> {
    return this.made('feed', await this.editions.published({ limit: FEED_ENTRIES }), async (issues) => {
      const pub = this.config.publication;
      const entries = [];
      for (const i of issues) {
        const web = await this.editions.asset(i.edition.id, WEB_VERSION_PATH);
        entries.push({ slug: i.slug, subject: i.edition.subject, title: i.edition.title, preheader: i.edition.preheader, sentAt: i.sentAt, updatedAt: i.edition.createdAt, webHtml: web?.body.toString('utf8') ?? '' });
      }
      return Buffer.from(atomFeed({ publication: pub.name, siteUrl: pub.site_url, issues: entries }));
    });
  }

  async calendar(): Promise<Buffer> {
    return this.made(
      'calendar',
      await this.editions.published(),
      async (issues) => {
        const calendars = [];
        for (const i of issues) {
          const ics = await this.editions.asset(i.edition.id, WEEK_ICS_PATH);
          if (ics) calendars.push({ ics: ics.body.toString('utf8') });
        }
        return Buffer.from(subscribedCalendar(this.config.publication.name, calendars, this.now()));
      },
      CALENDAR_REMAKE_MS,
    );
  }

  private async made(kind: string, issues: PublishedIssue[], make: (issues: PublishedIssue[]) => Promise<Buffer>, maxAgeMs = Infinity): Promise<Buffer> {
    const key = issues.map((i) => i.edition.id).join(',');
    const at = this.now().getTime();
    const hit = this.cache.get(kind);
    if (hit && hit.key === key && at - hit.at < maxAgeMs) return hit.body;
    const body = await make(issues);
    this.cache.set(kind, { key, at, body });
    return body;
  }
}
