import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const CALENDARS = path.join(__dirname, '..', 'fixtures', 'calendars');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(CALENDARS, name), 'utf8');
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FeedServer {
  url: string;
  /** Serve `body` at `path` as text/calendar (replacing what was there). */
  calendar(path: string, body: string): void;
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 and a free port that serves calendars the way the exporters do
 * (text/calendar; charset=utf-8, CRLF as stored), plus whatever misbehaving routes a test adds.
 */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const handler = routes.get((req.url ?? '/').split('?')[0]!);
    if (handler) return handler(req, res);
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const api: FeedServer = {
    url: `http://127.0.0.1:${port}`,
    calendar(p, body) {
      routes.set(p, (_req, res) => res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' }).end(body));
    },
    route(p, handler) {
      routes.set(p, handler);
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  for (const name of fs.readdirSync(CALENDARS)) api.calendar(`/${name}`, fixture(name));
  return api;
}
