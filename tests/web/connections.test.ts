import http from 'node:http';
import net, { type Socket } from 'node:net';
import { ConnectionGuard } from '../../src/web/server/connections';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { eventually } from '../helpers/process';
import { SEED_SLUG, sentProject } from '../unsubscribe/project';

describe('connection guard (decisions)', () => {
  const sockets = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i }) as unknown as Socket);

  it('a client over its limit makes room by closing its own oldest idle connection, never a busy one', () => {
    const guard = new ConnectionGuard({ perClient: 2, total: 10 });
    const [a, b, c, d] = sockets(4);
    expect(guard.admit(a!, 'x')).toEqual({ admit: true, evict: [] });
    expect(guard.admit(b!, 'x')).toEqual({ admit: true, evict: [] });
    guard.requestStarted(a!);
    // a is answering a request: b (idle, or still sending its headers) goes.
    expect(guard.admit(c!, 'x')).toEqual({ admit: true, evict: [b] });
    guard.requestStarted(c!);
    // Both open connections are busy: the new one is refused.
    expect(guard.admit(d!, 'x')).toEqual({ admit: false });
    expect(guard.clientCount('x')).toBe(2);
    guard.requestFinished(a!);
    expect(guard.admit(d!, 'x')).toEqual({ admit: true, evict: [a] });
  });

  it('over the overall limit the oldest idle connection of anyone goes; other clients are unaffected by one client', () => {
    const guard = new ConnectionGuard({ perClient: 3, total: 4 });
    const s = sockets(7);
    for (const sock of s.slice(0, 3)) expect(guard.admit(sock, 'attacker').admit).toBe(true);
    expect(guard.admit(s[3]!, 'visitor')).toEqual({ admit: true, evict: [] });
    guard.requestStarted(s[3]!);
    // Total reached: the attacker's oldest unfinished connection makes room for a second visitor.
    expect(guard.admit(s[4]!, 'visitor2')).toEqual({ admit: true, evict: [s[0]] });
    // The attacker coming back only replaces its own connections.
    expect(guard.admit(s[5]!, 'attacker')).toEqual({ admit: true, evict: [s[1]] });
    expect(guard.size).toBe(4);
    expect(guard.clientCount('attacker')).toBe(2);
    guard.forget(s[3]!);
    expect(guard.clientCount('visitor')).toBe(0);
    expect(guard.admit(s[6]!, 'visitor3')).toEqual({ admit: true, evict: [] });
  });

  it('refuses limits that would block everyone', () => {
    expect(() => new ConnectionGuard({ perClient: 0, total: 10 })).toThrow(/at least 1/);
    expect(() => new ConnectionGuard({ perClient: 10, total: 5 })).toThrow(/total at least perClient/);
  });
});

/**
 * Regression: 1,100 sockets that never finished their headers, from one address, reset 55 of 59
 * legitimate requests (Node accepts connections over maxConnections and drops them). Over real
 * sockets on the loopback: the attacker from 127.0.0.2, visitors from addresses of their own.
 */
describe('serve under a connection flood (real sockets)', () => {
  let server: PublicServer;
  const attackers: net.Socket[] = [];
  let closedAttackers = 0;

  beforeAll(async () => {
    const project = await sentProject();
    server = await startPublicServer({ config: project.config(), port: 0 });
  });
  afterAll(async () => {
    for (const s of attackers) s.destroy();
    await server?.close();
  });

  it('1,100 unfinished requests from one address do not keep 59 visitors from being answered', async () => {
    const port = Number(new URL(server.url).port);
    await Promise.all(
      Array.from(
        { length: 1_100 },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
              s.write(`GET /issues/${SEED_SLUG}/ HTTP/1.1\r\nHost: news.example.org\r\n`);
              resolve();
            });
            s.on('error', () => resolve());
            s.on('close', () => {
              closedAttackers++;
              resolve();
            });
            attackers.push(s);
          }),
      ),
    );

    const answers = await Promise.all(
      Array.from(
        { length: 59 },
        (_, i) =>
          new Promise<number | string>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port, path: `/issues/${SEED_SLUG}/`, localAddress: `127.0.1.${i + 1}`, agent: false }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            });
            req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
          }),
      ),
    );
    expect(answers).toEqual(Array(59).fill(200));
    // The attacker holds at most its share; the rest of its sockets were closed by the server.
    await eventually(
      async () => attackers.length - closedAttackers,
      (open) => expect(open).toBeLessThanOrEqual(32),
    );
  });
});
