import MarkdownIt from 'markdown-it';
import { isSafeUrl } from '../util/links';

/**
 * The Markdown editors may use in descriptions and intros: emphasis, links, lists and paragraphs.
 * Raw HTML is off (it is shown as text, escaped), and only https/http/mailto links survive;
 * anything else (javascript:, data:) is left as plain text by markdown-it's validateLink.
 */
function markdown(breaks: boolean): MarkdownIt {
  const md = new MarkdownIt('zero', { html: false, linkify: true, typographer: false, breaks });
  md.enable(['paragraph', 'emphasis', 'link', 'list', 'linkify', 'escape', 'entity', 'newline', 'backticks']);
  md.validateLink = (url) => isSafeUrl(url);
  return md;
}
const md = markdown(false);
/** Descriptions keep the line breaks the editor typed (an address, a short schedule), as <br>. */
const mdBreaks = markdown(true);

export interface Rich {
  html: string;
  text: string;
}

/**
 * Renders once into HTML for the email and plain text for the text part. With `breaks`, a line
 * break inside a paragraph stays a line break (descriptions); without, it is a space (intros).
 */
export function renderMarkdown(source: string, opts: { breaks?: boolean } = {}): Rich {
  const engine = opts.breaks ? mdBreaks : md;
  const tokens = engine.parse(source, {});
  return { html: engine.renderer.render(tokens, engine.options, {}).trim(), text: toText(tokens, Boolean(opts.breaks)) };
}

export function markdownLinks(source: string): string[] {
  const out: string[] = [];
  const walk = (tokens: ReturnType<typeof md.parse>) => {
    for (const t of tokens) {
      if (t.type === 'link_open') out.push(t.attrGet('href') ?? '');
      if (t.children) walk(t.children);
    }
  };
  walk(md.parse(source, {}));
  return out;
}

type Token = ReturnType<typeof md.parse>[number];

/** Plain text from the same tokens: paragraphs, "- " list items, links as `label (url)`. */
function toText(tokens: Token[], breaks = false): string {
  const blocks: string[] = [];
  let listDepth = 0;
  let ordered: number[] = [];
  for (const t of tokens) {
    if (t.type === 'bullet_list_open') {
      listDepth++;
      ordered.push(0);
    } else if (t.type === 'ordered_list_open') {
      listDepth++;
      ordered.push(1);
    } else if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') {
      listDepth--;
      ordered = ordered.slice(0, -1);
    } else if (t.type === 'inline') {
      const text = inlineText(t.children ?? [], breaks);
      if (listDepth > 0) {
        const n = ordered[ordered.length - 1]!;
        const bullet = n > 0 ? `${n}.` : '-';
        if (n > 0) ordered[ordered.length - 1] = n + 1;
        blocks.push(`${'  '.repeat(listDepth - 1)}${bullet} ${text}`);
      } else blocks.push(text);
    }
  }
  // List items sit on consecutive lines; paragraphs are separated by a blank line.
  return blocks
    .map((b, i) => (i > 0 && !(isItem(b) && isItem(blocks[i - 1]!)) ? `\n${b}` : b))
    .join('\n')
    .trim();
}

const isItem = (line: string) => /^\s*(-|\d+\.) /.test(line);

function inlineText(children: Token[], breaks: boolean): string {
  let out = '';
  let href: string | undefined;
  let label = '';
  for (const c of children) {
    if (c.type === 'link_open') {
      href = c.attrGet('href') ?? undefined;
      label = '';
    } else if (c.type === 'link_close') {
      out += href && label !== href && `mailto:${label}` !== href ? `${label} (${href})` : label;
      href = undefined;
    } else if (c.type === 'softbreak') {
      if (href !== undefined) label += ' ';
      else out += breaks ? '\n' : ' ';
    } else if (c.type === 'hardbreak') out += '\n';
    else if (c.type === 'text' || c.type === 'code_inline') {
      if (href !== undefined) label += c.content;
      else out += c.content;
    }
  }
  return out;
}
