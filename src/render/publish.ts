import type { DateTime } from 'luxon';
import type { ImageCatalog } from '../issue/images';
import type { IssueView } from '../issue/view';
import type { EditionAsset } from '../store/types';
import { eventPages } from './event-page';
import { icsFiles } from './ics';

/**
 * What an issue publishes on site_url, under `<site_url>/issues/<issue>/`: each file named by its
 * path there. The edition (src/publish/edition.ts) holds them, `send` stores them, `serve`
 * answers them from the store and `build` writes them into dist/<issue>/.
 *
 * | path              |                                                             |
 * | web.html          | the web version, at /issues/<issue>/                        |
 * | events.ics        | the week's events                                           |
 * | events/<id>.ics   | one event                                                   |
 * | e/<code>.html     | an event's "Add to calendar" page: its short link           |
 * | images/<name>     | the pictures next to the issue                              |
 */
export type PublishedAsset = EditionAsset;

export function publishedAssets(view: IssueView, web: string, images: ImageCatalog, now: DateTime): PublishedAsset[] {
  const assets: PublishedAsset[] = [{ path: 'web.html', contentType: HTML, body: Buffer.from(web) }];
  for (const [path, text] of Object.entries(icsFiles(view, { now }))) assets.push({ path, contentType: ICS, body: Buffer.from(text) });
  for (const [path, html] of Object.entries(eventPages(view))) assets.push({ path, contentType: HTML, body: Buffer.from(html) });
  for (const image of images.values()) assets.push({ path: image.asset, contentType: image.contentType, body: image.content });
  return assets;
}

const HTML = 'text/html; charset=utf-8';
const ICS = 'text/calendar; charset=utf-8';

/** The folders of published files whose names come from the issue (event ids, picture names). */
export const ASSET_FOLDERS = ['events', 'e', 'images'] as const;
