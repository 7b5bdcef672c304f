import type { Engine } from '../config';
import type { IssueView } from '../issue/view';
import { renderMjmlHtml } from './mjml';
import { renderReactHtml } from './react';
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
  const html = engine === 'mjml' ? await renderMjmlHtml(view) : await renderReactHtml(view);
  return { subject: view.subject, preheader: view.preheader, html, text: renderText(view), engine };
}

export { compileTemplate, PLACEHOLDERS, type PlaceholderValues } from './placeholders';
