import type { Problem } from '../util/problems';
import type { Rendered } from './index';

/** Gmail clips messages whose HTML is larger than about 102 KB ("[Message clipped]"). */
export const GMAIL_CLIP_BYTES = 102 * 1024;
/** `check` warns before the limit, leaving room for per-recipient links and tracking by relays. */
export const SIZE_WARNING_BYTES = 90 * 1024;

/** Checks on the rendered email (not the YAML); reported against the issue file's first line. */
export function checkRendered(rendered: Rendered, file: string): Problem[] {
  const problems: Problem[] = [];
  const bytes = Buffer.byteLength(rendered.html, 'utf8');
  if (bytes > SIZE_WARNING_BYTES) {
    problems.push({
      severity: 'warning',
      file,
      line: 1,
      col: 1,
      path: '',
      message: `the ${rendered.engine} HTML is ${(bytes / 1024).toFixed(1)} KB; Gmail clips emails over about 102 KB`,
      hint: 'shorten descriptions or move some events to the online calendar',
    });
  }
  return problems;
}
