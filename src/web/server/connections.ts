import type http from 'node:http';
import type { Socket } from 'node:net';
import { clientKey } from './rate-limit';

/**
 * Open connections, per client address and overall. A client that opens sockets and never
 * finishes its headers (slowloris) would otherwise fill the server: Node's `maxConnections` does
 * not queue the connections over it, it accepts and drops them, so every later visitor is reset
 * until the attacker's sockets time out. Instead, a new connection over a limit makes room by
 * closing the oldest connection of the same client (over the per-client limit) or of anyone
 * (over the overall limit) that has no request in progress: one still sending its headers, or an
 * idle keep-alive. A request being answered is never cut. Only when every connection is busy is
 * the new one refused.
 */

export interface ConnectionLimits {
  /** Open connections per client address (IPv6 per /64); browsers open at most six per host. */
  perClient: number;
  /** Open connections in all. */
  total: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { perClient: 32, total: 1_000 };

interface Tracked {
  client: string;
  /** Requests whose headers arrived and whose response has not finished. */
  busy: number;
}

/** The decision for a new connection: which open ones to close, or whether to refuse it. */
export type Admission = { admit: true; evict: Socket[] } | { admit: false };

export class ConnectionGuard {
  /** In order of arrival: the first evictable one found is the oldest. */
  private readonly open = new Map<Socket, Tracked>();
  private readonly perClient = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {
    if (!(limits.perClient >= 1) || !(limits.total >= limits.perClient)) throw new Error('connection limits: perClient must be at least 1 and total at least perClient');
  }

  get size(): number {
    return this.open.size;
  }

  clientCount(client: string): number {
    return this.perClient.get(client) ?? 0;
  }

  /** Decides for a socket just accepted from `client`, and records it when admitted. */
  admit(socket: Socket, client: string): Admission {
    const evict: Socket[] = [];
    if (this.clientCount(client) >= this.limits.perClient) {
      const victim = this.oldestIdle((t) => t.client === client);
      if (!victim) return { admit: false };
      evict.push(victim);
    }
    if (this.open.size - evict.length >= this.limits.total) {
      const victim = this.oldestIdle((_, s) => !evict.includes(s));
      if (!victim) return { admit: false };
      evict.push(victim);
    }
    for (const s of evict) this.forget(s);
    this.open.set(socket, { client, busy: 0 });
    this.perClient.set(client, this.clientCount(client) + 1);
    return { admit: true, evict };
  }

  requestStarted(socket: Socket): void {
    const t = this.open.get(socket);
    if (t) t.busy++;
  }

  requestFinished(socket: Socket): void {
    const t = this.open.get(socket);
    if (t && t.busy > 0) t.busy--;
  }

  forget(socket: Socket): void {
    const t = this.open.get(socket);
    if (!t) return;
    this.open.delete(socket);
    const n = this.clientCount(t.client) - 1;
    if (n > 0) this.perClient.set(t.client, n);
    else this.perClient.delete(t.client);
  }

  private oldestIdle(match: (t: Tracked, s: Socket) => boolean): Socket | undefined {
    for (const [s, t] of this.open) if (t.busy === 0 && match(t, s)) return s;
    return undefined;
  }
}

/**
 * Applies the guard to a server. Behind a reverse proxy (`trustProxy`) every connection comes
 * from the proxy, so only the overall limit applies (the proxy limits its own clients).
 */
export function guardConnections(server: http.Server, limits: ConnectionLimits, trustProxy: boolean): ConnectionGuard {
  const guard = new ConnectionGuard(trustProxy ? { perClient: limits.total, total: limits.total } : limits);
  server.on('connection', (socket: Socket) => {
    const decision = guard.admit(socket, trustProxy ? 'proxy' : clientKey(socket.remoteAddress, undefined, false));
    if (!decision.admit) {
      socket.destroy();
      return;
    }
    for (const s of decision.evict) s.destroy();
    socket.once('close', () => guard.forget(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    guard.requestStarted(req.socket);
    res.once('close', () => guard.requestFinished(req.socket));
  });
  return guard;
}
