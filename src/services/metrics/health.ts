import type { WriteProbe } from '../../db/healthProbe.ts';
import type { GatewaySource, ShardState } from './gateway.ts';

export interface HealthSources {
  gateway: GatewaySource;
  /** A real write to the database, bounded in time. */
  database: () => Promise<WriteProbe>;
  /** False once a stop began: the bot finishes what it has and takes nothing new. */
  accepting: () => boolean;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  gateway: { status: 'ok' | 'down'; shards: readonly ShardState[] };
  database: { status: 'ok'; ms: number } | { status: 'busy' | 'closed' | 'error'; code?: string };
  stopping?: true;
}

/** Healthy when every shard is ready, the database took a write and no stop has begun. */
export class HealthCheck {
  private probing: Promise<WriteProbe> | undefined;

  constructor(private readonly sources: HealthSources) {}

  async check(): Promise<HealthReport> {
    // Checks arriving together share one database write.
    this.probing ??= this.sources.database().finally(() => { this.probing = undefined; });
    const probe = await this.probing;
    const shards = this.sources.gateway();
    const gatewayOk = shards.length > 0 && shards.every((shard) => shard.ready);
    const stopping = !this.sources.accepting();
    return {
      status: gatewayOk && probe.ok && !stopping ? 'ok' : 'unavailable',
      gateway: { status: gatewayOk ? 'ok' : 'down', shards },
      database: probe.ok ? { status: 'ok', ms: probe.ms } : { status: probe.problem, ...(probe.code ? { code: probe.code } : {}) },
      ...(stopping ? { stopping: true as const } : {}),
    };
  }
}
