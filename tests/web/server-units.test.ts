import { clientKey, RateLimiter } from '../../src/web/server/rate-limit';
import { matchRoute, routePattern } from '../../src/web/server/routes';

describe('rate limiter (token bucket)', () => {
  it('lets a burst through, then one request per refill, and says when to come back', () => {
    let t = 0;
    const limiter = new RateLimiter({ burst: 3, perSecond: 0.5, now: () => t });
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(limiter.take('b').ok).toBe(true);
    t += 2000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    t += 60_000;
    // Refills up to the burst, not beyond.
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
  });

  it('keeps memory bounded: past maxClients the least recently seen are forgotten', () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 1, maxClients: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) limiter.take(`client-${i}`);
    expect(limiter.size).toBe(100);
  });

  it('refuses a limit that would block everyone', () => {
    expect(() => new RateLimiter({ burst: 0, perSecond: 1 })).toThrow();
    expect(() => new RateLimiter({ burst: 1, perSecond: 0 })).toThrow();
  });
});

describe('client address for the rate limit', () => {
  it('is the socket address unless a trusted proxy put the client last in X-Forwarded-For', () => {
    expect(clientKey('127.0.0.1', '203.0.113.9', false)).toBe('127.0.0.1');
    expect(clientKey('127.0.0.1', '198.51.100.1, 203.0.113.9', true)).toBe('203.0.113.9');
    expect(clientKey('127.0.0.1', ['198.51.100.1', '203.0.113.9'], true)).toBe('203.0.113.9');
    // Garbage in the header does not become a key of its own.
    expect(clientKey('127.0.0.1', 'not-an-ip', true)).toBe('127.0.0.1');
    expect(clientKey('::ffff:192.0.2.4', undefined, false)).toBe('192.0.2.4');
  });

  it('groups IPv6 clients by /64', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1', undefined, false)).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee', undefined, false)).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002::9', undefined, false)).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1', undefined, false)).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1', undefined, false)).toBe('0:0:0:0::/64');
  });
});

describe('routes', () => {
  it('match the unsubscribe and issue paths, and name them by pattern', () => {
    const cases: [string, string | undefined][] = [
      ['/u/k2.1.abc', '/u/:token'],
      ['/u/k2.1.abc?x=1', '/u/:token'],
      ['/issues/2021-03-22/', '/issues/:slug/'],
      ['/issues/2021-03-22', '/issues/:slug'],
      ['/issues/2021-03-22/events.ics', '/issues/:slug/events.ics'],
      ['/issues/2021-03-22/events/some-event.ics', '/issues/:slug/events/:id.ics'],
      ['/issues/2021-03-22/e/1a2b3c4.html', '/issues/:slug/:file'],
      ['/', undefined],
      ['/u/', undefined],
      ['/u/a/b', undefined],
      ['/issues/', '/issues/'],
      ['/feed.xml', '/feed.xml'],
      ['/calendar.ics', '/calendar.ics'],
      ['/feed.xml/x', undefined],
      ['/issues/x/events/', undefined],
      // Any other file of an edition (images, pages): looked up by its path among the edition's assets.
      ['/issues/x/events/a.txt', '/issues/:slug/:file'],
      ['/issues/x/images/rally.jpg', '/issues/:slug/:file'],
      ['/issues/x/y/z/w', '/issues/:slug/:file'],
      ['/issues/x/a/b/c/d/e', undefined],
      ['/issues/x/a//b', undefined],
      ['http://evil.example/u/x', undefined],
    ];
    for (const [url, pattern] of cases) {
      const route = matchRoute(url);
      expect([url, route && routePattern(route)]).toEqual([url, pattern]);
    }
  });

  it('match nothing when a segment decodes to a path or is badly encoded', () => {
    for (const url of ['/issues/..%2f..%2fetc/passwd', '/issues/%2e%2e/', '/issues/./', '/issues/a%5cb/', '/issues/a%00b/', '/issues/%E0%A4%A/', '/u/..', '/issues/x/events/..%2fy.ics', '/issues/x/images/..%2f..%2fnewsletter.yaml', '/issues/x/images/..', '/issues/x/e/%2e%2e']) {
      expect([url, matchRoute(url)]).toEqual([url, undefined]);
    }
  });
});
