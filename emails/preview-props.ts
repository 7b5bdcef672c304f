import fs from 'node:fs';
import path from 'node:path';
import { loadPublication } from '../src/config';
import { buildView } from '../src/issue/view';
import { loadIssueFile } from '../src/issue/load';
import type { NewsletterProps } from './Newsletter';

/** The seed issue as props, for react-email's preview (`npm run email:dev`). */
export function seedPreviewProps(): NewsletterProps {
  const root = findRoot(process.cwd());
  const pub = loadPublication(root);
  const file = path.join(root, 'issues', '2021-03-22.yaml');
  const { issue, slug, images } = loadIssueFile(file, pub.timezone);
  return { view: buildView(issue, pub, { slug, images }) };
}

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'newsletter.yaml'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('newsletter.yaml not found above ' + start);
    dir = up;
  }
  return dir;
}
