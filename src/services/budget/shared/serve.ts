import type { BotContext } from '../../../context.ts';
import { startLedgerServer, type LedgerServer } from './server.ts';

/** Events are also trimmed this often, for a coordinator no host renews a lease with (renewals trim at most once a minute). */
const EVENTS_TRIM_EVERY_MS = 60 * 60 * 1000;

/** Serves the coordinator's API when LEDGER_PORT is set, from the process holding shard 0; undefined otherwise. */
export async function serveLedger(ctx: BotContext, leads: boolean): Promise<LedgerServer | undefined> {
  const { config, logger, services } = ctx;
  const coordinator = services.hosts.coordinator;
  if (!leads || !coordinator || config.ledger.port === undefined || config.ledger.secret === undefined) return undefined;
  const server = await startLedgerServer({
    host: config.ledger.host, port: config.ledger.port, secret: config.ledger.secret, coordinator, log: logger.child({ component: 'ledger-server' }),
  });
  logger.info({ url: server.url }, 'coordinating the spending limits of every host (LEDGER_PORT)');
  const trimming = setInterval(() => {
    try {
      coordinator.trimEvents();
    } catch (error) {
      logger.warn({ err: error }, 'could not trim the events kept for other hosts; will retry');
    }
  }, EVENTS_TRIM_EVERY_MS);
  trimming.unref();
  return { url: server.url, close: () => { clearInterval(trimming); return server.close(); } };
}
