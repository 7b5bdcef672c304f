import type { Engine } from '../config';
import type { IssueView } from '../issue/view';
import { renderEngineHtml } from '.';
import { compileTemplate } from './placeholders';

/**
 * The web version of an issue (`web.html`, published at view.urls.web): the same template and
 * engine as the email, rendered once for everyone. Its footer says where subscribers find their
 * unsubscribe link instead of showing one (view.medium = 'web'), since a page on site_url cannot
 * hold a per-recipient link.
 */
export async function renderWebHtml(view: IssueView, engine: Engine): Promise<string> {
  const web: IssueView = { ...view, medium: 'web' };
  const html = await renderEngineHtml(web, engine);
  // A template that forgot the medium must still never publish a raw placeholder: the link
  // then leads back to this page rather than to "%%UNSUBSCRIBE_URL%%".
  return compileTemplate(html)({ unsubscribeUrl: view.urls.web });
}
