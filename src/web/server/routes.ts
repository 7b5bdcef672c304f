import type { IssueFile } from './issues';
import { decodePathSegment } from '../path-segment';

/**
 * The public server's routes, matched on path segments. Each segment is percent-decoded on its
 * own; one that decodes to a path (a slash, a backslash, `.` or `..`, a NUL) matches nothing, so
 * `/issues/..%2f..%2fetc/passwd` is simply not a route.
 */

export type Route =
  | { name: 'unsubscribe'; token: string }
  | { name: 'issue'; slug: string; file: IssueFile }
  | { name: 'issue-no-slash'; slug: string };

/** The route patterns, as they appear in the log (never the values). */
export const ROUTE_PATTERNS = {
  unsubscribe: '/u/:token',
  web: '/issues/:slug/',
  'issue-no-slash': '/issues/:slug',
  'week-ics': '/issues/:slug/events.ics',
  'event-ics': '/issues/:slug/events/:id.ics',
  'event-page': '/issues/:slug/e/:id',
  image: '/issues/:slug/images/:name',
} as const;

export function routePattern(route: Route): string {
  if (route.name === 'unsubscribe') return ROUTE_PATTERNS.unsubscribe;
  if (route.name === 'issue-no-slash') return ROUTE_PATTERNS['issue-no-slash'];
  return ROUTE_PATTERNS[route.file.kind];
}

/** Methods each route answers; anything else gets 405 with this list in Allow. */
export function allowedMethods(route: Route): readonly string[] {
  return route.name === 'unsubscribe' ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD'];
}

export function matchRoute(rawUrl: string): Route | undefined {
  if (!rawUrl.startsWith('/')) return undefined;
  const pathname = rawUrl.split(/[?#]/, 1)[0]!;
  const segments = pathname.slice(1).split('/').map(decodePathSegment);
  if (segments.some((s) => s === undefined)) return undefined;
  const parts = segments as string[];

  const [head, a, b, c, ...rest] = parts;
  if (rest.length) return undefined;
  if (head === 'u' && a && b === undefined) return { name: 'unsubscribe', token: a };
  if (head !== 'issues' || !a) return undefined;
  if (b === undefined) return { name: 'issue-no-slash', slug: a };
  if (b === '' && c === undefined) return { name: 'issue', slug: a, file: { kind: 'web' } };
  if (b === 'events.ics' && c === undefined) return { name: 'issue', slug: a, file: { kind: 'week-ics' } };
  if (b === 'events' && c && c.endsWith('.ics')) return { name: 'issue', slug: a, file: { kind: 'event-ics', id: c.slice(0, -'.ics'.length) } };
  if (b === 'e' && c) return { name: 'issue', slug: a, file: { kind: 'event-page', id: c } };
  if (b === 'images' && c) return { name: 'issue', slug: a, file: { kind: 'image', name: c } };
  return undefined;
}
