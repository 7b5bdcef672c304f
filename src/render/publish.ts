import type { DateTime } from 'luxon';
import type { ImageCatalog } from '../issue/images';
import type { IssueView } from '../issue/view';
import { eventPages } from './event-page';
import { icsFiles } from './ics';

/**
 * What an issue publishes on site_url, under `<site_url>/issues/<issue>/`: each file named by its
 * path in the issue's web folder. `build` writes them into dist/<issue>/ and `serve` answers them.
 *
 * | name              | served at                     |
 * | web.html          | /issues/<issue>/              |
 * | events.ics        | /issues/<issue>/events.ics    |
 * | events/<id>.ics   | /issues/<issue>/events/<id>.ics |
 * | e/<id>.html       | /issues/<issue>/e/<id>        | (the event's "Add to calendar" page)
 * | images/<name>     | /issues/<issue>/images/<name> | (pictures next to the issue)
 */
export interface PublishedAsset {
  /** Relative to the issue's web folder: `web.html`, `events/<id>.ics`, `images/rally.png`. */
  path: string;
  contentType: string;
  content: Buffer;
}

export function publishedAssets(view: IssueView, web: string, images: ImageCatalog, now: DateTime): PublishedAsset[] {
  const assets: PublishedAsset[] = [{ path: 'web.html', contentType: HTML, content: Buffer.from(web) }];
  for (const [path, text] of Object.entries(icsFiles(view, { now }))) assets.push({ path, contentType: ICS, content: Buffer.from(text) });
  for (const [path, html] of Object.entries(eventPages(view))) assets.push({ path, contentType: HTML, content: Buffer.from(html) });
  for (const image of images.values()) assets.push({ path: image.asset, contentType: image.contentType, content: image.content });
  return assets;
}

const HTML = 'text/html; charset=utf-8';
const ICS = 'text/calendar; charset=utf-8';

/** The folders of published files whose names come from the issue (event ids, picture names). */
export const ASSET_FOLDERS = ['events', 'e', 'images'] as const;
