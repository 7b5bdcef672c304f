import { render } from '@react-email/render';
import Newsletter from '../../emails/Newsletter';
import type { IssueView } from '../issue/view';

/** The React Email engine: the templates in emails/, rendered to one HTML document. */
export async function renderReactHtml(view: IssueView): Promise<string> {
  return render(<Newsletter view={view} />, { pretty: false });
}
