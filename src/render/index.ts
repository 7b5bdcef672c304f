import type { Engine } from '../config';
import type { IssueView } from '../issue/view';
import { renderText } from './text';

export interface Rendered {
  subject: string;
  preheader?: string;
  /** With per-recipient placeholders (see ./placeholders), filled per message. */
  html: string;
  text: string;
  engine: Engine;
}

/** Renders an issue once, with the chosen engine; the plain text is the same for both engines. */
export async function renderIssue(view: IssueView, engine: Engine): Promise<Rendered> {
  const html = await renderEngineHtml(view, engine);
  return { subject: view.subject, preheader: view.preheader, html, text: renderText(view), engine };
}

/**
 * The HTML of a view with one engine. Only the engine in use is loaded, here and nowhere else:
 * loading MJML took 0.4 s of a cold `check` of a React issue, and React is not needed by `status`.
 */
export async function renderEngineHtml(view: IssueView, engine: Engine): Promise<string> {
  if (engine === 'mjml') return (require('./mjml') as typeof import('./mjml')).renderMjmlHtml(view);
  return (require('./react') as typeof import('./react')).renderReactHtml(view);
}

export { compileTemplate, PLACEHOLDERS, type PlaceholderValues } from './placeholders';
