import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../util/errors';

/** A web server started by the program (the preview, the public server), as tests and the CLI hold it. */
export interface ListeningServer {
  /** http://127.0.0.1:3000 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens, turning the usual failures (port taken, no such address, privileged port) into one clear line. */
export function listen(server: http.Server, port: number, host: string): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UserError(`port ${port} on ${host} is already in use; choose another with --port (--port 0 picks a free one)`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new UserError(`cannot listen on ${host}: no such address on this machine (try --host 127.0.0.1)`));
      else if (err.code === 'EACCES') reject(new UserError(`not allowed to listen on port ${port}; use a port above 1024 (behind a reverse proxy, let the proxy listen on 443)`));
      else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const actual = (server.address() as AddressInfo).port;
      resolve({ port: actual, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}
