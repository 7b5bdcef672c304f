import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { issueSlug } from '../../issue/load';
import { buildIssue } from '../../render/build';
import type { Ledger } from '../../send/ledger';

/**
 * The web version and calendar files of issues that were sent, read from `newsletter build`'s
 * output (dist/<slug>/). A request names a slug and an event id; each is checked against a
 * pattern and then against what exists (the ledger's sends, the issues/ folder, a listing of
 * dist/<slug>/events/), and only names taken from those listings are joined into paths.
 */

/** What issueSlug makes of a file name, without a leading dot. */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** The issue schema's event id rule (and what eventId derives). */
const EVENT_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;
const ISSUE_FILE = /\.ya?ml$/i;

export type IssueFile =
  | { kind: 'web' }
  | { kind: 'week-ics' }
  | { kind: 'event-ics'; id: string }
  | { kind: 'event-page'; id: string }
  | { kind: 'image'; name: string };

/** A picture's published name (src/issue/images.ts: the file's own name, with a picture's extension). */
const IMAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}\.(png|jpe?g|gif|webp)$/i;
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

export interface PublishedFile {
  content: Buffer;
  /** A file name for Content-Disposition: derived from checked names only. */
  name: string;
  contentType: string;
}

const HTML = 'text/html; charset=utf-8';
const ICS = 'text/calendar; charset=utf-8';

/** The published file a request names, as its path in the issue's web folder (src/render/publish.ts), or undefined for a name that cannot be one. */
export function assetPath(file: IssueFile): { path: string; contentType: string } | undefined {
  switch (file.kind) {
    case 'web':
      return { path: 'web.html', contentType: HTML };
    case 'week-ics':
      return { path: 'events.ics', contentType: ICS };
    case 'event-ics':
      return EVENT_ID.test(file.id) ? { path: `events/${file.id}.ics`, contentType: ICS } : undefined;
    case 'event-page':
      return EVENT_ID.test(file.id) ? { path: `e/${file.id}.html`, contentType: HTML } : undefined;
    case 'image': {
      const ext = IMAGE_NAME.exec(file.name)?.[1]?.toLowerCase();
      return ext ? { path: `images/${file.name}`, contentType: IMAGE_TYPES[ext]! } : undefined;
    }
  }
}

export interface PublishedIssuesOptions {
  config: Config;
  ledger: Ledger;
  /** Called when an on-demand build fails, with a message free of secrets. */
  onBuildError?: (slug: string, message: string) => void;
}

export class PublishedIssues {
  private readonly distRoot: string;
  private readonly building = new Map<string, Promise<boolean>>();

  constructor(private readonly opts: PublishedIssuesOptions) {
    this.distRoot = path.join(opts.config.root, 'dist');
  }

  static validSlug(slug: string): boolean {
    return SLUG.test(slug) && !slug.includes('..');
  }

  static validEventId(id: string): boolean {
    return EVENT_ID.test(id);
  }

  /** Whether the issue was sent (or its send started): only those are published. */
  async isPublished(slug: string): Promise<boolean> {
    if (!PublishedIssues.validSlug(slug)) return false;
    return (await this.opts.ledger.findSend(slug)) !== undefined;
  }

  async read(slug: string, file: IssueFile): Promise<PublishedFile | undefined> {
    if (!(await this.isPublished(slug))) return undefined;
    const dir = this.issueDir(slug);
    if (!dir || !(await this.ensureBuilt(slug, dir))) return undefined;
    const asset = assetPath(file);
    if (!asset) return undefined;
    const [folder, name] = asset.path.includes('/') ? (asset.path.split('/') as [string, string]) : [undefined, asset.path];
    const downloadName = file.kind === 'week-ics' ? `${slug}.ics` : name;
    if (!folder) return readIn(dir, name, downloadName, asset.contentType);
    // Only a name found in the folder's listing is joined into a path.
    const folderDir = path.join(dir, folder);
    const listed = (await listDir(folderDir)).find((n) => n === name);
    return listed ? readIn(folderDir, listed, listed, asset.contentType) : undefined;
  }

  /** dist/<slug>, only once the slug is known to be a plain name inside dist/. */
  private issueDir(slug: string): string | undefined {
    const dir = path.resolve(this.distRoot, slug);
    return path.dirname(dir) === path.resolve(this.distRoot) ? dir : undefined;
  }

  /**
   * `send` does not build; a sent issue whose web version is not there yet is built from its
   * issue file on the first request (once, however many requests arrive together).
   */
  private async ensureBuilt(slug: string, dir: string): Promise<boolean> {
    if (fs.existsSync(path.join(dir, 'web.html'))) return true;
    let pending = this.building.get(slug);
    if (!pending) {
      pending = this.build(slug, dir).finally(() => this.building.delete(slug));
      this.building.set(slug, pending);
    }
    return pending;
  }

  private async build(slug: string, dir: string): Promise<boolean> {
    const issuesDir = path.join(this.opts.config.root, 'issues');
    const name = (await listDir(issuesDir)).find((n) => ISSUE_FILE.test(n) && issueSlug(n) === slug);
    if (!name) return false;
    try {
      await buildIssue({ config: this.opts.config, file: path.join(issuesDir, name), display: `issues/${name}`, outDir: dir });
      return true;
    } catch (err) {
      this.opts.onBuildError?.(slug, err instanceof Error ? err.message.split('\n')[0]! : String(err));
      return false;
    }
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch {
    return [];
  }
}

async function readIn(dir: string, name: string, downloadName: string, contentType: string): Promise<PublishedFile | undefined> {
  try {
    const file = path.join(dir, name);
    // A symbolic link or folder planted in dist/ is not followed.
    const stat = await fs.promises.lstat(file);
    if (!stat.isFile()) return undefined;
    return { content: await fs.promises.readFile(file), name: downloadName, contentType };
  } catch {
    return undefined;
  }
}
