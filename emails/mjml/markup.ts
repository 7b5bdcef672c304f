import type { CSSProperties } from 'react';
import type { Rich } from '../../src/issue/view';

/**
 * A tiny typed builder for MJML (and the HTML inside <mj-text>), so the template never
 * concatenates strings: every text child and every attribute value goes through `escape`, the
 * one escaping function, when the tree is written out.
 *
 * Why a builder and not React-rendered MJML: React would escape just as well, but it writes
 * `class`/`style` objects and camel-cased props its own way and would need a second renderer
 * pass whose output MJML then re-parses; a fifty-line builder keeps the MJML exactly as MJML's
 * documentation writes it, and its one escape point is easy to test with hostile values.
 *
 * MJML's parser keeps entities as written (htmlparser2 with `decodeEntities: false`) and copies
 * attribute values and ending-tag contents (mj-text, mj-button, mj-title, mj-preview) into the
 * HTML as they are, so what is escaped here stays escaped in the email.
 */

/** Markup already made safe elsewhere: editor Markdown rendered with raw HTML off (src/render/markdown.ts). */
export interface TrustedHtml {
  readonly trustedHtml: string;
}

export interface Element {
  readonly tag: string;
  readonly attrs: Attrs;
  readonly children: readonly Node[];
}

export type Node = Element | TrustedHtml | string;
/** Attribute values; `undefined` and `false` leave the attribute out. */
export type Attrs = Readonly<Record<string, string | number | undefined | false>>;
/** What a part of the template returns: one node, several, or nothing. */
export type Children = Node | null | undefined | false | readonly Children[];

/** HTML elements with no end tag (written `<img ... />`, which both MJML's parser and HTML accept). */
const VOID = new Set(['img', 'meta', 'br']);
const TAG = /^[a-z][a-z0-9-]*$/;
const ATTR = /^[a-z][a-z0-9-]*$/;

/** An element: MJML (`mj-section`) or HTML inside an ending tag (`p`, `a`, `span`, `h2`). */
export function h(tag: string, attrs: Attrs = {}, ...children: Children[]): Element {
  // Tags and attribute names come from the template's source code, never from YAML; the check
  // keeps a typo from producing markup that MJML would read differently.
  if (!TAG.test(tag)) throw new Error(`invalid tag name ${JSON.stringify(tag)}`);
  for (const name of Object.keys(attrs)) if (!ATTR.test(name)) throw new Error(`invalid attribute name ${JSON.stringify(name)}`);
  if (VOID.has(tag) && children.length) throw new Error(`<${tag}> has no content`);
  return { tag, attrs, children: flatten(children) };
}

/** Editor Markdown as the view holds it: its HTML was rendered safe (no raw HTML, safe links only). */
export function rich(value: Rich): TrustedHtml {
  return { trustedHtml: value.html };
}

/**
 * A style sheet from the templates' own constants (../theme and this folder), never from YAML.
 * It may not contain `<`, so nothing in it can close the <mj-style> it goes into.
 */
export function styleSheet(...parts: string[]): TrustedHtml {
  const css = parts.join('\n');
  if (css.includes('<')) throw new Error('a style sheet cannot contain "<"');
  return { trustedHtml: css };
}

/** Inline CSS from a style object ({ fontSize: '16px' } → "font-size:16px"); the result is escaped like any attribute. */
export function css(style: CSSProperties): string {
  return Object.entries(style)
    .filter((entry): entry is [string, string | number] => typeof entry[1] === 'string' || typeof entry[1] === 'number')
    .map(([name, value]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${value}`)
    .join(';');
}

/** The one escaping function, for text and attribute values alike. */
export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function serialize(node: Node): string {
  if (typeof node === 'string') return escape(node);
  if ('trustedHtml' in node) return node.trustedHtml;
  const attrs = Object.entries(node.attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== false)
    .map(([name, value]) => ` ${name}="${escape(String(value))}"`)
    .join('');
  if (VOID.has(node.tag)) return `<${node.tag}${attrs} />`;
  return `<${node.tag}${attrs}>${node.children.map(serialize).join('')}</${node.tag}>`;
}

function flatten(children: readonly Children[]): Node[] {
  const out: Node[] = [];
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) out.push(...flatten(c as readonly Children[]));
    else out.push(c as Node);
  }
  return out;
}
