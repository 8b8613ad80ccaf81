import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger.ts';

/** A slow or stalled client is cut off after this long, rather than holding a socket open. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface ListeningServer {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `server` on host:port (shared by the metrics and ledger servers). A port that can't be opened is a
 * start-up error about `what`, naming the settings to change (`settings`, e.g. 'METRICS_HOST/METRICS_PORT');
 * errors after that are logged as `<name> server error`. `close` also ends kept-alive connections, so a stop never waits on an idle client.
 */
export async function listen(server: Server, options: { host: string; port: number; name: string; what: string; settings: string; log: Logger }): Promise<ListeningServer> {
  const { host, port, name, what, settings, log } = options;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code ?? String(error);
    throw new Error(`Could not serve ${what} on ${host}:${port} (${settings}): ${code === 'EADDRINUSE' ? 'the port is already in use' : code}`, { cause: error });
  });
  server.on('error', (error) => log.error({ err: error }, `${name} server error`));
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
