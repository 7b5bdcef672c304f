import { WEB_VERSION_PATH, WEEK_ICS_PATH } from '../../publish/edition';
import { isAssetPath, type EditionStore } from '../../store/types';

/**
 * The files of issues that were sent, read from the store: each issue's current (newest) edition
 * and the assets it holds. Nothing is read from issues/ or dist/ and nothing is built: the store
 * is all `serve` needs, so it can run on another host. A request names a slug and a file path;
 * each is checked against a pattern and then looked up by value, never joined into a file path.
 */

/** What issueSlug makes of a file name, without a leading dot. */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface PublishedFile {
  content: Buffer;
  contentType: string;
  /** A file name for Content-Disposition: derived from checked names only. */
  name: string;
}

export class PublishedIssues {
  constructor(private readonly editions: Pick<EditionStore, 'current' | 'asset'>) {}

  static validSlug(slug: string): boolean {
    return SLUG.test(slug) && !slug.includes('..');
  }

  /** Whether the issue's send started (and so has an edition): only those are published. */
  async isPublished(slug: string): Promise<boolean> {
    if (!PublishedIssues.validSlug(slug)) return false;
    return (await this.editions.current(slug)) !== undefined;
  }

  /** `path` as under /issues/<slug>/: '' is the web version. */
  async read(slug: string, path: string): Promise<PublishedFile | undefined> {
    if (!PublishedIssues.validSlug(slug)) return undefined;
    const file = path === '' ? WEB_VERSION_PATH : path;
    if (!isAssetPath(file)) return undefined;
    const edition = await this.editions.current(slug);
    if (!edition) return undefined;
    const asset = await this.editions.asset(edition.id, file);
    if (!asset) return undefined;
    const name = file === WEEK_ICS_PATH ? `${slug}.ics` : file.split('/').pop()!;
    return { content: asset.body, contentType: asset.contentType, name };
  }
}
