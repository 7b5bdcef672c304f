import type { IssueView } from '../issue/view';
import { UserError } from '../util/errors';

/** The MJML engine (not built yet). */
export async function renderMjmlHtml(_view: IssueView): Promise<string> {
  throw new UserError('the mjml engine is not available yet; use --engine react');
}
