import fs from 'node:fs';
import path from 'node:path';
import { imageSize } from 'image-size';
import { PNG } from 'pngjs';
import type { Problem } from '../util/problems';
import { formatPath } from '../util/problems';
import { isLocalImagePath } from '../util/links';
import type { YamlFile } from '../util/yaml-file';
import { eachEvent } from './events';
import type { Issue, IssueImage } from './schema';

/**
 * The issue's pictures (`hero_image:` and each event's `image:`). Files next to the issue are read
 * here, once, when the issue is checked: their width and height (for the <img> attributes, so
 * the email does not jump as pictures load, and Outlook draws them at the right size), their
 * bytes (published with the web version), and what `check` says about them.
 */

/** A picture heavier than this is slow on a phone's data plan. */
export const IMAGE_WARNING_BYTES = 200 * 1024;
/** All of an issue's own pictures together. */
export const ISSUE_IMAGES_WARNING_BYTES = 1024 * 1024;

/** image-size's type names → what the server sends and a mail client expects. */
const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/** A file next to the issue, ready to publish under `<site_url>/issues/<slug>/<asset>`. */
export interface LocalImage {
  src: string;
  /** `images/<file name>`: its name among the issue's published files. */
  asset: string;
  width: number;
  height: number;
  contentType: string;
  content: Buffer;
}

/** Local pictures by their `src` as written in the issue. */
export type ImageCatalog = ReadonlyMap<string, LocalImage>;

export interface LocatedImage {
  image: IssueImage;
  /** Where `image:` sits in the file, e.g. ['featured', 0, 'image']. */
  path: (string | number)[];
}

export function* eachImage(issue: Issue): Generator<LocatedImage> {
  if (issue.hero_image) yield { image: issue.hero_image, path: ['hero_image'] };
  for (const { event, path } of eachEvent(issue)) if (event.image) yield { image: event.image, path: [...path, 'image'] };
}

/** The published name of a local picture: one folder, the file's own name. */
export function imageAsset(src: string): string {
  return `images/${src.slice(src.lastIndexOf('/') + 1)}`;
}

/** Alt texts that name the kind of picture instead of saying what it shows. */
const GENERIC_ALT = /^(image|img|picture|pic|photo|photograph|flyer|flier|poster|graphic|banner|logo|event|event flyer|event image|untitled)\s*\d*$/i;

/**
 * Reads and checks the local pictures (when the issue's folder is known) and the alt texts.
 * Errors: a missing file, a file that is not a picture, a file outside the issue's folder, two
 * files published under one name. Warnings: sizes, transparency, alt texts that say nothing.
 */
export function checkImages(issue: Issue, yf: YamlFile, dir: string | undefined): { catalog: ImageCatalog; problems: Problem[] } {
  const problems: Problem[] = [];
  const report = (severity: Problem['severity'], at: (string | number)[], message: string, hint?: string) => {
    const { line, col } = yf.locate(at);
    problems.push({ severity, file: yf.file, line, col, path: formatPath(at, yf.data), message, hint });
  };
  const catalog = new Map<string, LocalImage>();
  const byAsset = new Map<string, string>();
  let total = 0;
  let lastLocal: (string | number)[] | undefined;

  for (const { image, path: at } of eachImage(issue)) {
    const alt = image.alt.trim();
    if (GENERIC_ALT.test(alt) || alt === image.src || alt === image.src.slice(image.src.lastIndexOf('/') + 1)) {
      report(
        'warning',
        [...at, 'alt'],
        `"${alt}" does not say what the picture shows; the plain-text part and screen readers get only this`,
        'describe it, e.g. "Flyer: rally at Grand Park, Monday 8 am"',
      );
    }
    if (!isLocalImagePath(image.src) || !dir) continue;
    if (catalog.has(image.src)) continue;

    const asset = imageAsset(image.src);
    const other = byAsset.get(asset);
    if (other !== undefined) {
      report('error', [...at, 'src'], `${image.src} and ${other} would both be published as ${asset}`, 'rename one of the files');
      continue;
    }
    const read = readImage(dir, image.src);
    if (!read.ok) {
      report('error', [...at, 'src'], read.message, read.hint);
      continue;
    }
    byAsset.set(asset, image.src);
    const local: LocalImage = { src: image.src, asset, ...read.image };
    catalog.set(image.src, local);
    total += local.content.length;
    lastLocal = at;

    if (local.content.length > IMAGE_WARNING_BYTES) {
      report(
        'warning',
        [...at, 'src'],
        `${image.src} is ${kb(local.content.length)}; pictures over ${kb(IMAGE_WARNING_BYTES)} are slow on a phone`,
        `export it about ${Math.min(local.width, 1200)} px wide as JPEG, or compress it`,
      );
    }
    if (local.contentType === 'image/png' && hasTransparency(local.content)) {
      report(
        'warning',
        [...at, 'src'],
        `${image.src} has transparent areas: in dark mode they show the dark background, and dark text or lines drawn on them can disappear`,
        'export it with a solid background',
      );
    }
  }
  if (total > ISSUE_IMAGES_WARNING_BYTES && lastLocal) {
    report('warning', [...lastLocal, 'src'], `the issue's pictures add up to ${kb(total)}; over ${kb(ISSUE_IMAGES_WARNING_BYTES)} is slow to load on a phone`, 'compress them or use fewer');
  }
  return { catalog, problems };
}

type ReadResult = { ok: true; image: Omit<LocalImage, 'src' | 'asset'> } | { ok: false; message: string; hint?: string };

function readImage(dir: string, src: string): ReadResult {
  const file = path.join(dir, src);
  let content: Buffer;
  try {
    // A symbolic link could lead anywhere on the disk: the picture must really be in the issue's folder.
    const real = fs.realpathSync(file);
    const root = fs.realpathSync(dir);
    if (!real.startsWith(root + path.sep)) return { ok: false, message: `${src} leads outside the issue's folder`, hint: 'copy the picture next to the issue' };
    if (!fs.statSync(real).isFile()) return { ok: false, message: `${src} is not a file` };
    content = fs.readFileSync(real);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, message: `no such file: ${src} (next to the issue)`, hint: `put the picture in ${path.join(path.basename(dir), src)}, or check the spelling` };
    return { ok: false, message: `cannot read ${src} (${code ?? String(err)})` };
  }
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(content);
  } catch {
    return { ok: false, message: `${src} is not a picture that mail clients show`, hint: 'use a PNG, JPEG, GIF or WebP file' };
  }
  const contentType = size.type ? CONTENT_TYPES[size.type] : undefined;
  if (!contentType || !size.width || !size.height) {
    return { ok: false, message: `${src} is a ${size.type ?? 'file of unknown type'}, not a PNG, JPEG, GIF or WebP picture`, hint: 'export it as PNG or JPEG' };
  }
  // EXIF orientations 5–8 turn the picture a quarter: what a reader sees is height × width.
  const turned = (size.orientation ?? 1) >= 5;
  return { ok: true, image: { width: turned ? size.height : size.width, height: turned ? size.width : size.height, contentType, content } };
}

/** Whether any pixel of a PNG is (partly) transparent; a PNG that cannot be decoded says no. */
function hasTransparency(content: Buffer): boolean {
  // Only colour types 4 and 6 (with alpha), or a tRNS chunk, can be transparent: the others need
  // no decoding. The colour type is IHDR's tenth byte, at offset 25 (PNG specification, 11.2.2).
  if (content[25] !== 4 && content[25] !== 6 && !content.includes('tRNS')) return false;
  let png: PNG;
  try {
    png = PNG.sync.read(content);
  } catch {
    return false;
  }
  // pngjs decodes every colour type to RGBA, so a palette's tRNS chunk shows up here too.
  for (let i = 3; i < png.data.length; i += 4) if (png.data[i]! < 255) return true;
  return false;
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}
