import type { Problem } from '../util/problems';
import type { Rendered } from './index';
import { accessibilityFindings } from './quality/accessibility';
import { unsupportedFeatures } from './quality/client-support';

/** Gmail clips messages whose HTML is larger than about 102 KB ("[Message clipped]"). */
export const GMAIL_CLIP_BYTES = 102 * 1024;
/** `check` warns before the limit, leaving room for per-recipient links and tracking by relays. */
export const SIZE_WARNING_BYTES = 90 * 1024;

/**
 * Checks on the rendered email (not the YAML), reported as warnings against the issue file's
 * first line: its size against Gmail's clipping, the HTML and CSS features mail clients do not
 * support (./quality/client-support), and accessibility (./quality/accessibility).
 */
export function checkRendered(rendered: Rendered, file: string): Problem[] {
  const warning = (message: string, hint: string): Problem => ({ severity: 'warning', file, line: 1, col: 1, path: '', message, hint });
  const problems: Problem[] = [];
  const engine = rendered.engine;

  const bytes = Buffer.byteLength(rendered.html, 'utf8');
  if (bytes > SIZE_WARNING_BYTES) {
    problems.push(
      warning(`the ${engine} HTML is ${(bytes / 1024).toFixed(1)} KB; Gmail clips emails over about 102 KB`, 'shorten descriptions or move some events to the online calendar'),
    );
  }

  for (const u of unsupportedFeatures(rendered.html)) {
    problems.push(
      warning(
        `the ${engine} HTML uses \`${u.feature}\`, which ${u.clients.join(', ') || 'some mail clients'} do not support (caniemail.com)`,
        'a template change: use a widely supported alternative, or allow it with its reason in src/render/quality/client-support.ts',
      ),
    );
  }

  for (const f of accessibilityFindings(rendered.html)) problems.push(warning(`accessibility of the ${engine} HTML: ${f.message}`, f.hint));
  return problems;
}
