import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSource } from '../../src/calendar/fetch';
import { fixture, startFeedServer, type FeedServer } from './feed-server';

/** Fetching calendars carefully (src/calendar/fetch.ts), against a real HTTP server. */

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
  server.route('/missing', (_q, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
  server.route('/private', (_q, res) => res.writeHead(403).end('no'));
  server.route('/error', (_q, res) => res.writeHead(500, 'Internal Server Error').end());
  server.route('/page', (_q, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Events</title>'));
  server.route('/page-as-text', (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('<!DOCTYPE html><html></html>'));
  server.route('/not-ics', (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('name,date\nrally,2021-11-01\n'));
  server.route('/image', (_q, res) => res.writeHead(200, { 'content-type': 'image/png' }).end('PNG'));
  server.route('/mislabelled', (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(fixture('mobilize.ics')));
  server.route('/latin1', (_q, res) => res.writeHead(200, { 'content-type': 'text/calendar; charset=ISO-8859-1' }).end(Buffer.from('BEGIN:VCALENDAR\r\nX-WR-CALNAME:Caf\u00e9\r\nEND:VCALENDAR\r\n', 'latin1')));
  server.route('/redirect', (_q, res) => res.writeHead(302, { location: '/google.ics' }).end());
  server.route('/loop', (_q, res) => res.writeHead(301, { location: '/loop' }).end());
  server.route('/to-file', (_q, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
  server.route('/huge', (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/calendar' });
    res.write('BEGIN:VCALENDAR\r\n');
    const line = `X-FILLER:${'x'.repeat(1000)}\r\n`;
    const pump = () => {
      while (res.write(line)) if (res.writableLength > 1e6) break;
    };
    res.on('drain', pump);
    pump();
  });
  server.route('/declared-huge', (_q, res) => res.writeHead(200, { 'content-type': 'text/calendar', 'content-length': String(50 * 1024 * 1024) }).end('BEGIN:VCALENDAR'));
  server.route('/silent', () => {
    /* never answers */
  });
});
afterAll(() => server.close());

const opts = { root: os.tmpdir(), timeoutMs: 10_000, maxBytes: 64 * 1024 };

describe('reading a calendar', () => {
  it('over HTTP, as served (CRLF and folded lines intact)', async () => {
    const { text } = await readSource(`${server.url}/google.ics`, { ...opts, maxBytes: 1e6 });
    expect(text).toBe(fixture('google.ics'));
  });

  it('following a redirect', async () => {
    const { text } = await readSource(`${server.url}/redirect`, { ...opts, maxBytes: 1e6 });
    expect(text).toContain('X-WR-CALNAME:DSA-LA Chapter Calendar');
  });

  it('a webcal:// address is read over https (refused here since the test server is plain http)', async () => {
    await expect(readSource(`webcal://127.0.0.1:1/x.ics`, opts)).rejects.toThrow(/^webcal:\/\/127\.0\.0\.1:1\/x\.ics: /);
  });

  it('a calendar a server labels text/html is still read: the body decides', async () => {
    expect((await readSource(`${server.url}/mislabelled`, opts)).text).toBe(fixture('mobilize.ics'));
  });

  it('in the charset the server names', async () => {
    expect((await readSource(`${server.url}/latin1`, opts)).text).toContain('X-WR-CALNAME:Caf\u00e9');
  });

  it('from a file, relative to the project folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cal-'));
    fs.writeFileSync(path.join(dir, 'chapter.ics'), fixture('mobilize.ics'));
    expect((await readSource('chapter.ics', { ...opts, root: dir })).text).toContain('Mobilize');
  });
});

describe('each failure is one clear line naming the source', () => {
  it.each([
    { path: '/missing', message: 'not found (HTTP 404): check the address; the calendar may have been made private or deleted' },
    { path: '/private', message: 'refused (HTTP 403): the calendar is not public; use its public or secret iCalendar address' },
    { path: '/error', message: 'the server answered HTTP 500 Internal Server Error' },
    { path: '/page', message: "the server sent a web page (text/html), not a calendar (is this the calendar's page rather than its iCalendar/.ics address?)" },
    { path: '/image', message: 'the server sent image/png, not a calendar' },
    { path: '/page-as-text', message: 'this is a web page or a news feed, not a calendar (look for the iCalendar/.ics export address)' },
    { path: '/not-ics', message: 'not an iCalendar feed (it does not start with BEGIN:VCALENDAR)' },
    { path: '/loop', message: 'more than 5 redirects; open it in a browser and use the address it ends at' },
    { path: '/to-file', message: 'redirects to a file: address; calendars are read only over https: or http:' },
    { path: '/huge', message: 'the calendar is more than the 0.1 MB allowed' },
    { path: '/declared-huge', message: 'the calendar is 50.0 MB, more than the 0.1 MB allowed' },
  ])('$path', async ({ path: p, message }) => {
    const source = `${server.url}${p}`;
    await expect(readSource(source, opts)).rejects.toThrow(`${source}: ${message}`);
  });

  it('a server that does not answer within the timeout', async () => {
    const source = `${server.url}/silent`;
    await expect(readSource(source, { ...opts, timeoutMs: 300 })).rejects.toThrow(`${source}: no complete answer within 300 ms`);
  });

  it('a refused connection', async () => {
    const closed = await startFeedServer();
    const url = `${closed.url}/google.ics`;
    await closed.close();
    await expect(readSource(url, opts)).rejects.toThrow(`${url}: the server refused the connection`);
  });

  it.each([
    { source: 'ftp://example.org/cal.ics', message: 'ftp://example.org/cal.ics: is a ftp: address; calendars are read only over https: or http:' },
    { source: 'file:///etc/passwd', message: 'file:///etc/passwd: is a file: address; calendars are read only over https: or http:' },
    { source: 'https://user:pw@example.org/cal.ics', message: 'https://user:pw@example.org/cal.ics: an address with a user name or password is not accepted (it would be written into the issue file)' },
    { source: 'no-such.ics', message: 'no-such.ics: no such file (give an .ics file or an https:// address of a calendar feed)' },
  ])('$source', async ({ source, message }) => {
    await expect(readSource(source, opts)).rejects.toThrow(message);
  });
});
