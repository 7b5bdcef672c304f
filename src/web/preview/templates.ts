import path from 'node:path';
import type { renderIssue } from '../../render';

/**
 * The renderer, reloadable. Templates in emails/ are TSX compiled into lib/emails/; Node caches
 * each compiled module, so a template rebuilt while the preview runs (`tsc --watch`) is only seen
 * after its cached module, and the render modules that captured it, are dropped and required again.
 * Under Jest the module registry is Jest's own, so there a reload renders with the same modules.
 */

export type RenderIssue = typeof renderIssue;

/** The folder the engine's templates are loaded from: lib/emails when compiled, emails/ under ts-node/Jest. */
export function templatesDir(): string {
  return path.dirname(require.resolve('../../../emails/Newsletter'));
}

/** src/render (or lib/src/render): the modules that import the templates. */
function renderDir(): string {
  return path.dirname(require.resolve('../../render'));
}

export function loadRenderer(): RenderIssue {
  // A plain require, so that after reloadTemplates() the fresh modules are the ones evaluated.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../render') as typeof import('../../render');
  return mod.renderIssue;
}

/** Forgets the compiled templates and the render modules; the next loadRenderer() reads them anew. */
export function reloadTemplates(): number {
  const dirs = [templatesDir(), renderDir()].map((d) => d + path.sep);
  let dropped = 0;
  for (const key of Object.keys(require.cache)) {
    if (dirs.some((d) => key.startsWith(d))) {
      delete require.cache[key];
      dropped++;
    }
  }
  return dropped;
}
