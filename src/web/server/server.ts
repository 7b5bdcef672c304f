import http from 'node:http';
import type { Config } from '../../config';
import { openStore, type Store } from '../../store';
import { checkAddress } from '../../subscribers/address';
import { maskAddress } from '../../unsubscribe/mask';
import { TEST_TOKEN, verifyToken } from '../../unsubscribe/token';
import { declaredTooLarge, readForm } from './body';
import { isDraftSlug } from '../../publish/draft';
import { PublishedIssues, type PublishedFile } from './issues';
import { confirmPage, errorPage, ONE_CLICK_FIELD, ONE_CLICK_VALUE, pageStyle, RESUBSCRIBE_FIELD, RESUBSCRIBE_VALUE, resubscribedPage, testMessagePage, unsubscribedPage } from './pages';
import { PublicArchive } from './archive';
import { DEFAULT_CONNECTION_LIMITS, guardConnections, type ConnectionLimits } from './connections';
import { clientKey, RateLimiter, type RateLimitOptions } from './rate-limit';
import { allowedMethods, matchRoute, routePattern } from './routes';
import { listen, type ListeningServer } from '../listen';
import { createSignup, matchSignupRoute, SIGNUP_PATTERNS, type SignupLimits, type SignupRoute } from './signup';
import type { Transport } from '../../send/transport';
import { createWebhooks, readWebhookBody, webhookProvider, type WebhookProvider } from './webhooks';

/**
 * `newsletter serve`: the public side of the newsletter, on site_url behind a reverse proxy.
 * It answers these requests and nothing else:
 *  - /u/<token>: the unsubscribe page (GET, changes nothing) and its confirmation or RFC 8058's
 *    one-click POST (suppresses the address);
 *  - /issues/<slug>/ and the other files of an issue's current edition (events.ics,
 *    events/<id>.ics, …): read-only, from the store;
 *  - /issues/, /feed.xml, /calendar.ics: the archive, the Atom feed and the subscribed calendar
 *    of every sent issue;
 *  - /webhooks/<provider>: bounce and complaint reports from the mail relay.
 * Everything comes from the store: nothing is read from issues/ or dist/, nothing is built.
 * Every response carries the security headers; every request is logged as one line with the
 * route pattern, never the token, the address or the client.
 */

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

/** Request line and headers together; a real request here is well under 2 KB. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** A client that has not sent its headers by then is dropped (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included; ours are tiny, so a slow one is an attack or a dead link. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Idle keep-alive connections are closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node checks the two timeouts above (its default, 30 s, would let them run over). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/**
 * Per client address: a person clicks a handful of links; a mail provider's one-click POSTs come
 * from many addresses. 30 at once and one a second after that stops a single flooding client.
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 30, perSecond: 1 };
/** Web versions and calendar files change only when an issue is rebuilt. */
const ISSUE_CACHE_CONTROL = 'public, max-age=300';

/** The baseline for every response; pages and web versions narrow or widen style and images. */
const BASE_CSP = ["default-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"];

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': BASE_CSP.join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'cache-control': 'no-store',
};

/** The web version is an email: inline styles, images from anywhere on https, no script. */
const WEB_VERSION_CSP = [...BASE_CSP, "style-src 'unsafe-inline'", 'img-src https: http: data:', 'font-src https: data:'].join('; ');

export interface PublicServerOptions {
  config: Config;
  /** Opened from the configuration (and closed with the server) when not given. */
  store?: Store;
  port?: number;
  host?: string;
  /** Behind a reverse proxy: limit by the client address it puts in X-Forwarded-For. */
  trustProxy?: boolean;
  rateLimit?: RateLimitOptions;
  /** Open connections per client address and overall (default DEFAULT_CONNECTION_LIMITS). */
  connectionLimits?: ConnectionLimits;
  /** Defaults: 10 s for the headers, 15 s for the whole request. */
  timeouts?: { headersMs: number; requestMs: number };
  /** One line per request (and per failure); default: none. */
  log?: (line: string) => void;
  now?: () => Date;
  /** Tests serve their own SNS certificate: which URLs SNS messages may point to (default: Amazon's). */
  snsUrlAllowed?: (url: string) => boolean;
  /** Signup limits and the confirmation messages' transport (tests shorten and capture them). */
  signup?: { limits?: Partial<SignupLimits>; transport?: Transport };
}

export type PublicServer = ListeningServer;

export async function startPublicServer(opts: PublicServerOptions): Promise<PublicServer> {
  const { config } = opts;
  const host = opts.host ?? DEFAULT_HOST;
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => undefined);
  const keys = config.env.unsubscribeKeys;
  const publication = config.publication.name;
  const style = pageStyle(config.publication.brand.color);
  const pageCsp = [...BASE_CSP.filter((d) => !d.startsWith('form-action')), `style-src ${style.cspHash}`, "form-action 'self'"].join('; ');
  const limiter = new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);

  const ownStore = !opts.store;
  const store = opts.store ?? (await openStore(config, { now }));
  const issues = new PublishedIssues(store.editions);
  const archive = new PublicArchive(config, store.editions, style, now);

  const signup = createSignup({ config, store, keys, style, now, log, ...(opts.signup ?? {}) });

  const webhooks = createWebhooks({ config, store: store.feedback, now, log, ...(opts.snsUrlAllowed ? { snsUrlAllowed: opts.snsUrlAllowed } : {}) });

  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: opts.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS,
      requestTimeout: opts.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    (req, res) => {
      const started = process.hrtime.bigint();
      let pattern = '-';
      res.once('close', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const status = res.writableFinished ? String(res.statusCode) : `${res.statusCode}-aborted`;
        log(`${now().toISOString()} ${req.method ?? '-'} ${pattern} ${status} ${ms.toFixed(1)}ms`);
      });
      handle(req, res, (p) => (pattern = p)).catch((err: unknown) => {
        log(`${now().toISOString()} error on ${pattern}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        if (res.headersSent) res.destroy();
        else sendPage(res, 500, errorPage(style, 'Something went wrong', 'Please try again later.'));
      });
    },
  );
  // Not server.maxConnections: Node accepts the connections over it and drops them, so a client
  // holding many open sockets would have everyone else reset. See ./connections.
  guardConnections(server, opts.connectionLimits ?? DEFAULT_CONNECTION_LIMITS, opts.trustProxy ?? false);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, setPattern: (p: string) => void): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // Relays post from a few addresses in bursts: their webhooks are verified, not rate-limited.
    // A relay that is not configured has no endpoint: that path is limited and 404 like any other.
    const provider = webhookProvider((req.url ?? '').split(/[?#]/, 1)[0]!);
    if (provider && webhooks.enabled(provider)) return webhook(req, res, provider, setPattern);
    const decision = limiter.take(clientKey(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustProxy ?? false));
    if (!decision.ok) {
      res.setHeader('retry-after', String(decision.retryAfterSeconds));
      return refuse(req, res, 429, 'Too many requests', 'Please wait a moment and try again.');
    }
    const signupRoute = matchSignupRoute((req.url ?? '').split(/[?#]/, 1)[0]!);
    if (signupRoute) return signupRequest(req, res, signupRoute, setPattern);
    const route = matchRoute(req.url ?? '');
    if (!route) return notFound(req, res);
    setPattern(routePattern(route));
    const allowed = allowedMethods(route);
    if (!allowed.includes(req.method ?? '')) {
      res.setHeader('allow', allowed.join(', '));
      return refuse(req, res, 405, 'Method not allowed', `This address answers ${allowed.join(', ')} only.`);
    }
    if (route.name === 'unsubscribe') return unsubscribe(req, res, route.token);
    if (route.name === 'archive') return send(res, 200, 'text/html; charset=utf-8', await archive.archive(), { 'content-security-policy': pageCsp, 'cache-control': ISSUE_CACHE_CONTROL });
    if (route.name === 'feed') return send(res, 200, 'application/atom+xml; charset=utf-8', await archive.feed(), { 'cache-control': ISSUE_CACHE_CONTROL });
    // Inline, not an attachment: calendar apps subscribe to this address and read it as it is.
    if (route.name === 'calendar') return send(res, 200, 'text/calendar; charset=utf-8', await archive.calendar(), { 'cache-control': ISSUE_CACHE_CONTROL });
    if (route.name === 'issue-no-slash') {
      if (!(await issues.isPublished(route.slug))) return notFound(req, res);
      // Relative, so it stays right behind a proxy that serves us under a path prefix.
      res.setHeader('location', `${encodeURIComponent(route.slug)}/`);
      return sendPage(res, 308, errorPage(style, 'Moved', 'The web version is one address further.'));
    }
    const file = await issues.read(route.slug, route.path);
    if (!file) return notFound(req, res);
    // A test send's draft: reachable by its link only, never indexed.
    if (isDraftSlug(route.slug)) res.setHeader('x-robots-tag', 'noindex, nofollow');
    return sendIssueFile(res, file);
  }

  async function webhook(req: http.IncomingMessage, res: http.ServerResponse, provider: WebhookProvider, setPattern: (p: string) => void): Promise<void> {
    setPattern(`/webhooks/${provider}`);
    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      send(res, status, 'application/json', Buffer.from(JSON.stringify(body)), { ...headers, ...(req.readableEnded ? {} : { connection: 'close' }) });
    if (req.method !== 'POST') return reply(405, { error: 'POST only' }, { allow: 'POST' });
    const body = await readWebhookBody(req);
    if (body === 'aborted') return void res.destroy();
    if (body === 'too-large') return reply(413, { error: 'body too large' });
    const answer = await webhooks.handle(provider, req, body);
    return reply(answer.status, answer.body, answer.headers);
  }

  /** /subscribe and /confirm/<token>: src/web/server/signup.ts decides, this sends its answer. */
  async function signupRequest(req: http.IncomingMessage, res: http.ServerResponse, route: SignupRoute, setPattern: (p: string) => void): Promise<void> {
    setPattern(SIGNUP_PATTERNS[route.name]);
    const allowed = ['GET', 'HEAD', 'POST'];
    if (!allowed.includes(req.method ?? '')) {
      res.setHeader('allow', allowed.join(', '));
      return refuse(req, res, 405, 'Method not allowed', `This address answers ${allowed.join(', ')} only.`);
    }
    const answer = await signup.handle(req, route, clientKey(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustProxy ?? false));
    if (answer === 'aborted') return void res.destroy();
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    return sendSubscriberPage(req, res, answer.status, answer.html);
  }

  async function unsubscribe(req: http.IncomingMessage, res: http.ServerResponse, token: string): Promise<void> {
    const post = req.method === 'POST';
    if (post && declaredTooLarge(req)) return refuse(req, res, 413, 'Request too large', 'Nothing was changed.');
    if (token === TEST_TOKEN) return sendSubscriberPage(req, res, 200, testMessagePage(style, publication));
    const id = verifyToken(keys, token);
    // The token names a mailbox, which outlives its subscriber row: a link in an old email still
    // unsubscribes the address after `subscribers remove` and a re-import.
    const mailbox = id === undefined ? undefined : await store.subscribers.findMailbox(id);
    if (!mailbox) return notFound(req, res);
    const checked = checkAddress(mailbox.subscriber?.email ?? mailbox.address);
    if (!checked.ok) throw new Error(`mailbox ${mailbox.id} has an address the store should never hold`);
    const subscriber = mailbox.subscriber;
    const shown = { publication, maskedAddress: maskAddress(checked.address) };

    if (!post) {
      const suppression = await store.subscribers.suppression(checked.address);
      const unsubscribed = subscriber?.status === 'unsubscribed' || suppression !== undefined;
      const canResubscribe = !suppression || suppression.reason === 'unsubscribed';
      return sendSubscriberPage(req, res, 200, unsubscribed ? unsubscribedPage(style, { ...shown, canResubscribe }) : confirmPage(style, shown));
    }
    const body = await readForm(req);
    if (!body.ok && body.status === 'aborted') return void res.destroy();
    if (!body.ok) {
      const [title, text] = body.status === 413 ? ['Request too large', 'Nothing was changed.'] : ['Bad request', 'This is not an unsubscribe confirmation. Nothing was changed.'];
      return refuse(req, res, body.status, title, text);
    }
    if (body.fields.get(RESUBSCRIBE_FIELD) === RESUBSCRIBE_VALUE) {
      // The undo of the unsubscribed page: only the person's own unsubscribe is lifted here.
      const r = await store.subscribers.resubscribe(checked.address, { source: 'unsubscribe page', liftable: ['unsubscribed'] });
      if (r.outcome === 'refused') {
        return sendSubscriberPage(req, res, 200, errorPage(style, 'Not possible here', `This address cannot be resubscribed from this page. Write to ${publication} to be added again.`));
      }
      return sendSubscriberPage(req, res, 200, resubscribedPage(style, shown));
    }
    if (body.fields.get(ONE_CLICK_FIELD) !== ONE_CLICK_VALUE) {
      return refuse(req, res, 400, 'Bad request', 'This is not an unsubscribe confirmation. Nothing was changed.');
    }
    // Suppressing twice keeps the first suppression: a second click (or a provider's retry) is fine.
    await store.subscribers.suppress(checked.address, 'unsubscribed', 'unsubscribe link');
    return sendSubscriberPage(req, res, 200, unsubscribedPage(style, shown));
  }

  function sendSubscriberPage(req: http.IncomingMessage, res: http.ServerResponse, status: number, html: string): void {
    sendPage(res, status, html, req.method === 'POST' && !req.readableEnded);
  }

  function sendPage(res: http.ServerResponse, status: number, html: string, closeAfter = false): void {
    send(res, status, 'text/html; charset=utf-8', Buffer.from(html), { 'content-security-policy': pageCsp, ...(closeAfter ? { connection: 'close' } : {}) });
  }

  /**
   * Refusals answer with a page; a body the client is still sending is not read (and the
   * connection is closed after the answer so nothing else arrives on it).
   */
  function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, title: string, text: string): void {
    sendPage(res, status, errorPage(style, title, text), !req.readableEnded && req.method !== 'GET' && req.method !== 'HEAD');
  }

  /** One page for every unknown link, token or file: it says nothing about which part was wrong. */
  function notFound(req: http.IncomingMessage, res: http.ServerResponse): void {
    refuse(req, res, 404, 'Page not found', 'This link is not valid. Nothing was changed.');
  }

  let address: { port: number; url: string };
  try {
    address = await listen(server, opts.port ?? DEFAULT_PORT, host);
  } catch (err) {
    if (ownStore) await store.close();
    throw err;
  }
  const { port, url } = address;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
        .then(() => signup.close())
        .then(() => (ownStore ? store.close() : undefined));
      return closing;
    },
  };
}

function sendIssueFile(res: http.ServerResponse, file: PublishedFile): void {
  const headers: Record<string, string> = { 'cache-control': ISSUE_CACHE_CONTROL };
  if (/^text\/html\b/.test(file.contentType)) {
    headers['content-security-policy'] = WEB_VERSION_CSP;
    return send(res, 200, file.contentType, file.content, headers);
  }
  // Pictures are shown inside mail clients, webmail pages included: another site's page must be
  // allowed to load them (same-origin, the default here, would blank them in Outlook.com).
  if (/^image\//.test(file.contentType)) headers['cross-origin-resource-policy'] = 'cross-origin';
  // The name is a checked slug or asset path segment: nothing in it needs quoting.
  if (/^text\/calendar\b/.test(file.contentType)) headers['content-disposition'] = `attachment; filename="${file.name}"`;
  send(res, 200, file.contentType, file.content, headers);
}

function send(res: http.ServerResponse, status: number, type: string, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
