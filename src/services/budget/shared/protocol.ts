import * as z from 'zod';
import type { OperatorOverview, OperatorStatus, Refusal } from '../ledger.ts';
import type { Period } from '../periods.ts';

/**
 * The coordinator's HTTP API (JSON, every request and answer signed with a key derived from LEDGER_SECRET: see signing.ts), shared by the server and the
 * hosts' client. Every write is keyed, so a request repeated after a lost answer changes nothing.
 */

/** One POST /v1/apply carries at most this many operations (a host's outbox is drained in batches). */
export const MAX_OPS_PER_REQUEST = 500;
/** Events handed to a host per lease renewal; more follow on the next one. */
export const MAX_EVENTS_PER_LEASE = 100;
/** /forget-me tombstones per lease renewal (about 100 bytes each: ~100 KB); more follow on the next one. */
export const MAX_TOMBSTONES_PER_LEASE = 1_000;

const id = z.string().min(1).max(64);
const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Token counts, seconds of audio, images: recorded as measured (seconds may be fractional). */
const count = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const holder = z.string().min(1).max(200);
const key = z.uuid();

/** What the coordinator needs to record a reservation it never saw (its reserve answer was lost, its file restored). */
const row = z.object({
  guildId: id, userId: id, command: z.string().min(1).max(64), model: z.string().min(1).max(200),
  reservedMicros: micros, bucket: z.number().int().min(0), holder, longRunning: z.boolean(),
});
export type SharedRow = z.infer<typeof row>;

export const reserveRequest = z.object({
  key, holder, pid: z.number().int().min(0), host: z.string().min(1).max(255),
  guildId: id, userId: id, command: z.string().min(1).max(64), model: z.string().min(1).max(200), reservedMicros: micros, longRunning: z.boolean(),
});
export type ReserveRequest = z.infer<typeof reserveRequest>;

/**
 * What every host applies to its own file: a member's /forget-me (their turns stored at or before `at`, the time
 * they asked; absent from a host of an older release, then the coordinator sets the time it received it), and what the operator set
 * with /operator for a server (its ceiling; `amountMicros` null lifts it, `default` goes back to SERVER_LIMIT_USD)
 * or the allow-list, since a server's calls are checked on the host that holds it.
 */
export const sharedEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('forget'), userId: id, at: z.number().int().min(0).optional() }),
  // `at`: when the operator typed it, so one that lands late (typed on a host cut off from the coordinator) can't undo
  // a change to that server typed since (absent from a host of an older release).
  z.object({
    event: z.literal('ceiling'), guildId: id, actorId: id, value: z.union([z.literal('default'), z.object({ amountMicros: micros.nullable(), period: z.enum(['day', 'week', 'month']) })]),
    at: z.number().int().min(0).optional(),
  }),
  z.object({ event: z.literal('allow'), guildId: id, actorId: id }),
]);
export type SharedEvent = z.infer<typeof sharedEvent>;

export const sharedOp = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('settle'), key, row, chargedMicros: micros,
    inputTokens: count.optional(), cachedTokens: count.optional(), outputTokens: count.optional(), units: count.optional(),
  }),
  z.object({ op: z.literal('release'), key, row }),
  z.object({ op: z.literal('lower'), key, micros }),
  // `id`: a random one the host gives it, so that a copy sent again (by another process of the host draining the same
  // outbox, late) is recorded once, not after a newer change it would undo (absent from a host of an older release).
  z.object({ op: z.literal('broadcast'), event: sharedEvent, id: key.optional() }),
]);
export type SharedOp = z.infer<typeof sharedOp>;

export const applyRequest = z.object({ ops: z.array(sharedOp).min(1).max(MAX_OPS_PER_REQUEST) });

/** `hostId`: a random id the host keeps in its file, so the coordinator knows what each host applied (a host of an older release sends none). */
export const leaseRequest = z.object({ holder, pid: z.number().int().min(0), host: z.string().min(1).max(255), eventsAfter: z.number().int().min(0), hostId: key.optional() });
export type LeaseRequest = z.infer<typeof leaseRequest>;

/** ok: reserved (or already was, for a repeated key); a refusal names the cross-server limit it would pass. */
export type ReserveAnswer = { ok: true } | { ok: false; refusal: Refusal };

/**
 * What is left of a trimmed /forget-me: its event's seq, the member's ID as a keyed hash (see memberHash.ts), and
 * when they asked. A host that had not applied it deletes that member's turns stored at or before `at`.
 */
export interface Tombstone {
  seq: number;
  member: string;
  at: number;
}

/**
 * The operator's settings as the coordinator holds them, for a host that missed trimmed events: every server
 * ceiling set with /operator (others go back to SERVER_LIMIT_USD), every server allowed, and the trimmed
 * /forget-me requests after the host's last applied event (oldest first, at most MAX_TOMBSTONES_PER_LEASE).
 */
export interface ResyncState {
  ceilings: { guildId: string; actorId: string; amountMicros: number | null; period: Period }[];
  allowed: { guildId: string; actorId: string }[];
  tombstones: Tombstone[];
}

export interface LeaseAnswer {
  /** Events after `eventsAfter`, oldest first: apply each to this host's file. */
  events: { seq: number; event: SharedEvent }[];
  /** Once they are applied, the host is up to date through this seq (absent from a coordinator of an older release). */
  through?: number;
  /** Set when events this host had not applied were trimmed: apply it before the events. */
  resync?: ResyncState;
}

export type OverviewAnswer = OperatorOverview;

/** The member's total everywhere and the bot's, as the coordinator counts them (null: no such limit). */
export type TotalsAnswer = Pick<OperatorStatus, 'member' | 'bot'>;
