import { Status, type Client } from 'discord.js';

/** One gateway shard as health and metrics see it. */
export interface ShardState {
  id: number;
  /** discord.js's Status name: Ready, Connecting, Resuming, Disconnected, ... */
  status: string;
  ready: boolean;
  /** Last heartbeat round trip; null before the first one. */
  pingMs: number | null;
}

/**
 * Where the shards' states come from. The default reads one discord.js client's shards; a sharded
 * deployment plugs in its own (e.g. every shard this process runs), and health and metrics follow it.
 */
export type GatewaySource = () => readonly ShardState[];

/** Before login there is no gateway at all. */
export const NO_GATEWAY: GatewaySource = () => [];

/**
 * The shards of one client. Each shard's own status is read: client.ws.status stays Ready after the
 * first login even when a shard has since lost its connection.
 */
export function shardsOf(client: Client): GatewaySource {
  return () => [...client.ws.shards.values()].map((shard) => ({
    id: shard.id,
    status: Status[shard.status] ?? String(shard.status),
    ready: shard.status === Status.Ready,
    pingMs: shard.ping >= 0 ? shard.ping : null,
  }));
}
