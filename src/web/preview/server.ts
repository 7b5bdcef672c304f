import http from 'node:http';
import net from 'node:net';
import type { Engine } from '../../config';
import { CLIENT_SCRIPT, STYLE_SHEET } from './assets';
import { asDarkMode, withLinksInNewTab } from './email-document';
import { listOutbox, readOutboxMessage } from './outbox';
import { emailUnavailable, ENGINES, homePage, issueHref, issuePage, notFoundPage, outboxPage, type IssueListItem } from './pages';
import { PreviewProject } from './project';
import { loadRenderer, reloadTemplates, templatesDir } from './templates';
import { watchProject, type Change } from './watcher';
import { decodePathSegment } from '../path-segment';
import { listen, type ListeningServer } from '../listen';

/**
 * `newsletter preview`: a local web app showing each issue as the inbox would, with live reload.
 * It serves only its own routes: slugs are looked up in the issue list and outbox names in a
 * directory listing, so no part of a request path ever becomes part of a file path.
 */

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';

/** Proxies and browsers drop an idle event stream; a comment line now and then keeps it open. */
const HEARTBEAT_MS = 15_000;
/** How soon a browser reconnects to the event stream after losing it (e.g. a restart). */
const RECONNECT_MS = 1_000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The app's own pages: scripts and styles only from /assets/, frames only from this server. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The email itself: no script at all, inline styles (emails are made of them), remote images as
 * the inbox would load them; sandboxed even when opened on its own.
 */
const EMAIL_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src https: http: data:',
  'font-src https: data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  'sandbox allow-popups allow-popups-to-escape-sandbox',
].join('; ');

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
};

export interface PreviewServerOptions {
  /** The project folder (newsletter.yaml, issues/, outbox/). */
  root: string;
  port?: number;
  host?: string;
  env?: Record<string, string | undefined>;
  now?: () => Date;
}

export type PreviewServer = ListeningServer;

export async function startPreviewServer(opts: PreviewServerOptions): Promise<PreviewServer> {
  const host = opts.host ?? DEFAULT_HOST;
  let renderer = loadRenderer();
  const project = new PreviewProject(opts.root, { env: opts.env ?? {}, now: opts.now ?? (() => new Date()), renderer: () => renderer });
  const streams = new Set<http.ServerResponse>();

  const onChanges = (changes: Change[]) => {
    let templates = false;
    for (const c of changes) {
      if (c.kind === 'issue') project.issueChanged(c.name);
      else if (c.kind === 'config') project.everythingChanged();
      else if (c.kind === 'templates') templates = true;
    }
    if (templates) {
      reloadTemplates();
      renderer = loadRenderer();
      project.everythingChanged();
    }
    const data = JSON.stringify({ kinds: [...new Set(changes.map((c) => c.kind))] });
    for (const res of streams) res.write(`event: change\ndata: ${data}\n\n`);
  };
  const watcher = watchProject(opts.root, safeTemplatesDir(), onChanges);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `preview: ${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, host)) return send(res, 403, 'text/plain; charset=utf-8', 'This preview only answers on its own address.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
    }
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    const parts = splitPath(url.pathname);
    if (!parts) return notFound(res);

    if (parts.length === 0) {
      const items = await issueItems();
      const first = items[0];
      if (first) {
        res.setHeader('location', issueHref(first.entry.slug));
        return send(res, 302, 'text/plain; charset=utf-8', '');
      }
      return sendPage(res, 200, homePage({ name: project.config().config?.publication.name, items, problems: project.config().problems }));
    }
    const [head, a, b, c, ...rest] = parts;
    if (rest.length) return notFound(res);

    if (head === 'events' && a === undefined) return openStream(req, res);
    if (head === 'assets' && b === undefined) {
      if (a === 'preview.js') return send(res, 200, 'text/javascript; charset=utf-8', CLIENT_SCRIPT);
      if (a === 'preview.css') return send(res, 200, 'text/css; charset=utf-8', STYLE_SHEET);
      return notFound(res);
    }
    if (head === 'issues' && a !== undefined && b === 'images' && c !== undefined) {
      // The issue's own pictures, looked up by name among the files its YAML names.
      const entry = project.findIssue(a);
      const image = entry && project.image(entry, `images/${c}`);
      if (!image) return notFound(res);
      return send(res, 200, image.contentType, image.content);
    }
    if (head === 'issues' && a !== undefined && c === undefined) {
      const entry = project.findIssue(a);
      const engine = engineParam(url.searchParams.get('engine'), project.defaultEngine());
      if (!entry || !engine) return notFound(res);
      let preview = await project.preview(entry, engine);
      if (b === undefined) {
        if (url.searchParams.get('feeds') === '1') preview = await project.withCalendarDrift(entry, preview);
        const items = await issueItems();
        const outbox = listOutbox(opts.root, entry.slug);
        const sendState = items.find((i) => i.entry.slug === entry.slug)?.send;
        return sendPage(res, 200, issuePage({ name: project.config().config?.publication.name, items, preview, outbox, sendState }));
      }
      if (b === 'email.html') {
        // With errors, the last email that rendered is still shown (dimmed by the page).
        const html = preview.html ?? preview.lastGood?.html;
        if (html === undefined) return sendEmail(res, 200, emailUnavailable(preview.renderError ?? 'This issue has errors; the check panel lists them.'), url);
        return sendEmail(res, 200, html, url);
      }
      if (b === 'email.txt') {
        if (preview.text === undefined) return send(res, 409, 'text/plain; charset=utf-8', 'This issue cannot be rendered; see its checks.\n');
        return send(res, 200, 'text/plain; charset=utf-8', preview.text);
      }
      return notFound(res);
    }
    if (head === 'outbox' && a !== undefined && b !== undefined && (c === undefined || c === 'email.html')) {
      const message = await readOutboxMessage(opts.root, a, b);
      if (!message) return notFound(res);
      if (c === 'email.html') {
        if (message.html === undefined) return notFound(res);
        return sendEmail(res, 200, message.html, url);
      }
      const items = await issueItems();
      return sendPage(res, 200, outboxPage({ name: project.config().config?.publication.name, items, message, listing: listOutbox(opts.root, a) }));
    }
    return notFound(res);
  }

  async function issueItems(): Promise<IssueListItem[]> {
    const engine = project.defaultEngine();
    return Promise.all(
      project.issues().map(async (entry) => {
        const p = await project.preview(entry, engine);
        return { entry, errors: p.errors, warnings: p.warnings, send: await project.sendState(entry) };
      }),
    );
  }

  function openStream(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    streams.add(res);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(res);
    });
  }

  let address: { port: number; url: string };
  try {
    address = await listen(server, opts.port ?? DEFAULT_PORT, host);
  } catch (err) {
    watcher.close();
    throw err;
  }
  const { port, url } = address;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        watcher.close();
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Path segments, percent-decoded one by one; undefined for anything that is not a plain name. */
function splitPath(pathname: string): string[] | undefined {
  const parts: string[] = [];
  for (const raw of pathname.split('/').filter((s) => s !== '')) {
    const part = decodePathSegment(raw);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return parts;
}

function engineParam(value: string | null, fallback: Engine): Engine | undefined {
  if (value === null || value === '') return fallback;
  return (ENGINES as readonly string[]).includes(value) ? (value as Engine) : undefined;
}

/**
 * A page on a web site can make the browser send requests here through a DNS name that points at
 * this machine (DNS rebinding); such requests carry that name in Host, and are refused. Whatever
 * --host is, the preview answers only to an IP address, localhost, or the name given as --host:
 * a rebinding attack needs a name of the attacker's, and has none of these.
 */
export function hostAllowed(header: string | undefined, host: string): boolean {
  if (!header) return false;
  const name = (header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!).toLowerCase();
  if (LOOPBACK_HOSTS.has(host)) return LOOPBACK_HOSTS.has(name);
  if (name === host.toLowerCase() || name === `[${host.toLowerCase()}]` || name === 'localhost') return true;
  return net.isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}

function safeTemplatesDir(): string | undefined {
  try {
    return templatesDir();
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendPage(res: http.ServerResponse, status: number, html: string): void {
  send(res, status, 'text/html; charset=utf-8', html, { 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY' });
}

function sendEmail(res: http.ServerResponse, status: number, html: string, url: URL): void {
  html = withLinksInNewTab(html);
  if (url.searchParams.get('scheme') === 'dark') html = asDarkMode(html);
  send(res, status, 'text/html; charset=utf-8', html, { 'content-security-policy': EMAIL_CSP, 'x-frame-options': 'SAMEORIGIN' });
}

function notFound(res: http.ServerResponse): void {
  sendPage(res, 404, notFoundPage());
}
