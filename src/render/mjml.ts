import { requireMjml } from './mjml-loader';
import { newsletterMjml } from '../../emails/mjml/newsletter';
import type { IssueView } from '../issue/view';

/**
 * MJML's options for the template in emails/mjml/. The markup is built in memory from the view,
 * so MJML never needs the file system: `ignoreIncludes: true` turns <mj-include> off (the
 * default in MJML 5, spelled out so an upgrade cannot turn it on), and no `mjmlConfigPath` or
 * `useMjmlConfigOptions` is passed, so no .mjmlconfig is read from the working folder either.
 * `fonts: {}` keeps MJML from adding Google Fonts links (the template uses system fonts), and
 * `validationLevel: 'strict'` makes any invalid MJML a failure instead of a console warning.
 */
export const MJML_OPTIONS = {
  validationLevel: 'strict',
  ignoreIncludes: true,
  fonts: {},
  keepComments: false,
  minify: false,
  beautify: false,
} as const;

const mjml2html = requireMjml();

/** The MJML engine: the same IssueView as the React Email engine, through MJML's responsive tables. */
export async function renderMjmlHtml(view: IssueView): Promise<string> {
  const { html, errors } = await mjml2html(newsletterMjml(view), MJML_OPTIONS);
  // With strict validation mjml2html throws on invalid markup; a leftover error here is a bug in the template.
  if (errors.length) throw new Error(`MJML template: ${errors.map((e) => e.formattedMessage).join('; ')}`);
  return html;
}
