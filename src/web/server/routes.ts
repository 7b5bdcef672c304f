import { decodePathSegment } from '../path-segment';

/**
 * The public server's routes, matched on path segments. Each segment is percent-decoded on its
 * own; one that decodes to a path (a slash, a backslash, `.` or `..`, a NUL) matches nothing, so
 * `/issues/..%2f..%2fetc/passwd` is simply not a route.
 */

export type Route =
  | { name: 'unsubscribe'; token: string }
  /** Every sent issue, newest first. */
  | { name: 'archive' }
  | { name: 'feed' }
  | { name: 'calendar' }
  /** A file of an issue's current edition; `path` '' is the web version. */
  | { name: 'issue'; slug: string; path: string }
  | { name: 'issue-no-slash'; slug: string };

/** The route patterns, as they appear in the log (never the values). */
export const ROUTE_PATTERNS = {
  unsubscribe: '/u/:token',
  archive: '/issues/',
  feed: '/feed.xml',
  calendar: '/calendar.ics',
  web: '/issues/:slug/',
  'issue-no-slash': '/issues/:slug',
  'week-ics': '/issues/:slug/events.ics',
  'event-ics': '/issues/:slug/events/:id.ics',
  'issue-file': '/issues/:slug/:file',
} as const;

export function routePattern(route: Route): string {
  if (route.name === 'unsubscribe' || route.name === 'archive' || route.name === 'feed' || route.name === 'calendar') return ROUTE_PATTERNS[route.name];
  if (route.name === 'issue-no-slash') return ROUTE_PATTERNS['issue-no-slash'];
  if (route.path === '') return ROUTE_PATTERNS.web;
  if (route.path === 'events.ics') return ROUTE_PATTERNS['week-ics'];
  if (/^events\/[^/]+\.ics$/.test(route.path)) return ROUTE_PATTERNS['event-ics'];
  return ROUTE_PATTERNS['issue-file'];
}

/** Methods each route answers; anything else gets 405 with this list in Allow. */
export function allowedMethods(route: Route): readonly string[] {
  return route.name === 'unsubscribe' ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD'];
}

/** An edition's files sit at most this deep under /issues/<slug>/ (events/<id>.ics is 2). */
const MAX_FILE_DEPTH = 4;

export function matchRoute(rawUrl: string): Route | undefined {
  if (!rawUrl.startsWith('/')) return undefined;
  const pathname = rawUrl.split(/[?#]/, 1)[0]!;
  const segments = pathname.slice(1).split('/').map(decodePathSegment);
  if (segments.some((s) => s === undefined)) return undefined;
  const [head, a, ...file] = segments as string[];

  if (head === 'u') return a && file.length === 0 ? { name: 'unsubscribe', token: a } : undefined;
  if (a === undefined && head === 'feed.xml') return { name: 'feed' };
  if (a === undefined && head === 'calendar.ics') return { name: 'calendar' };
  if (head === 'issues' && a === '' && file.length === 0) return { name: 'archive' };
  if (head !== 'issues' || !a) return undefined;
  if (file.length === 0) return { name: 'issue-no-slash', slug: a };
  if (file.length === 1 && file[0] === '') return { name: 'issue', slug: a, path: '' };
  if (file.length > MAX_FILE_DEPTH || file.some((s) => s === '')) return undefined;
  return { name: 'issue', slug: a, path: file.join('/') };
}
