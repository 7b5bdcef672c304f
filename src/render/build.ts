import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { Config, Engine } from '../config';
import type { IssueView } from '../issue/view';
import { draftEdition } from '../publish/edition';
import { composeMessage, prepareIssue } from '../send/message';
import type { Problem } from '../util/problems';
import type { Rendered } from './index';
import { ASSET_FOLDERS } from './publish';
import { checkRendered } from './quality';

export interface BuildResult {
  slug: string;
  view: IssueView;
  rendered: Rendered;
  /** Warnings from lint and from the rendered email (errors stop the build before this). */
  warnings: Problem[];
  outDir: string;
  files: string[];
}

/** A fixed address for the sample message.eml: shows what one subscriber receives. */
export const SAMPLE_RECIPIENT = { id: 0, address: 'subscriber@example.org', name: 'Sample Subscriber' };

/**
 * `newsletter build`: renders the issue once and writes what an editor or the public server needs:
 * the email's two parts, a sample message, the web version and the week's calendar files.
 * Files are written to a temporary folder first and moved into place, so a failed build never
 * leaves a half-written mix of old and new files.
 */
export async function buildIssue(opts: { config: Config; file: string; display?: string; engine?: Engine; outDir?: string; now?: DateTime }): Promise<BuildResult> {
  const { config } = opts;
  const display = opts.display ?? opts.file;
  const now = opts.now ?? DateTime.now();
  // The same edition `send` stores: the email and the files it publishes, rendered once.
  const draft = await draftEdition({ config, file: opts.file, display, engine: opts.engine, viewAt: now, stampAt: now });
  const { slug, view, rendered, loaded } = draft;
  const warnings = [...loaded.problems.filter((p) => p.severity === 'warning'), ...checkRendered(rendered, display)];

  const outDir = path.resolve(config.root, opts.outDir ?? path.join('dist', slug));
  const prepared = prepareIssue(rendered);
  const sampleUnsubscribe = `${config.publication.site_url}/u/sample`;
  const outputs: Record<string, string | Buffer> = {
    'email.html': prepared.html({ unsubscribeUrl: sampleUnsubscribe }),
    'email.txt': prepared.text({ unsubscribeUrl: sampleUnsubscribe }),
    'message.eml': await composeMessage(prepared, SAMPLE_RECIPIENT, {
      publication: config.publication,
      slug,
      unsubscribeUrl: sampleUnsubscribe,
      unsubscribeMailto: config.env.unsubscribeMailto,
    }),
    ...Object.fromEntries(draft.content.assets.map((a) => [a.path, a.body])),
  };
  const files = writeAtomically(outDir, outputs);
  removeStaleFiles(outDir, files);
  return { slug, view, rendered, warnings, outDir, files };
}

function writeAtomically(outDir: string, outputs: Record<string, string | Buffer>): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of Object.entries(outputs)) {
    const target = path.join(outDir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, target);
    written.push(target);
  }
  return written;
}

/**
 * An event whose id changed (or that was removed), or a picture no longer used, must not leave
 * its old file behind in dist/, where a static host would still publish it.
 */
function removeStaleFiles(outDir: string, written: string[]): void {
  const keep = new Set(written);
  for (const folder of ASSET_FOLDERS) {
    const dir = path.join(outDir, folder);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isFile() && !keep.has(file)) fs.rmSync(file);
    }
  }
}
