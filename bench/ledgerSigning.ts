import { randomBytes } from 'node:crypto';
import { LinkSigner, NonceWindow } from '../src/services/budget/shared/signing.ts';

/** Reserve+settle pairs timed; the figure is CPU time, so a busy machine inflates it less than a round trip. */
const PAIRS = 20_000;
/** The coordinator's nonce memory as it runs (server.ts MAX_NONCES). */
const NONCES = 100_000;

/**
 * The signing work one reserve+settle adds, both sides on one core: per request the host signs it, the coordinator
 * checks it and remembers its nonce, signs its answer, and the host checks that (bodies as the bot sends them).
 */
export function benchLedgerSigning(): void {
  const secret = randomBytes(32).toString('hex');
  const host = new LinkSigner(secret);
  const coordinator = new LinkSigner(secret);
  const nonces = new NonceWindow(NONCES);
  const reserve = JSON.stringify({ key: crypto.randomUUID(), holder: 'host-b:12345:abcdef01', pid: 12345, host: 'host-b', guildId: '900000000000000001', userId: '800000000000000001', command: 'ask', model: 'gpt-4o-mini', reservedMicros: 900, longRunning: false });
  const settle = JSON.stringify({ ops: [{ op: 'settle', key: crypto.randomUUID(), row: { guildId: '900000000000000001', userId: '800000000000000001', command: 'ask', model: 'gpt-4o-mini', reservedMicros: 900, bucket: 123456, holder: 'host-b:12345:abcdef01', longRunning: false }, chargedMicros: 300, inputTokens: 1200, outputTokens: 300 }] });
  const exchange = (path: string, body: string, answer: string) => {
    const nonce = LinkSigner.nonce();
    const timestamp = Date.now();
    const signature = host.signRequest({ method: 'POST', path, timestamp, nonce, body });
    if (!coordinator.requestValid({ method: 'POST', path, timestamp, nonce, body }, signature) || nonces.accept(nonce, timestamp) !== 'ok') throw new Error('refused');
    const signed = coordinator.signAnswer({ nonce, method: 'POST', path, status: 200, body: answer });
    if (!host.answerValid({ nonce, method: 'POST', path, status: 200, body: answer }, signed)) throw new Error('answer refused');
  };
  for (let n = 0; n < 2_000; n += 1) exchange('/v1/reserve', reserve, '{"ok":true}');
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let n = 0; n < PAIRS; n += 1) {
    exchange('/v1/reserve', reserve, '{"ok":true}');
    exchange('/v1/apply', settle, '{"applied":1}');
  }
  const wallUs = ((performance.now() - t0) * 1000) / PAIRS;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / PAIRS;
  console.log(`  signing added per reserve+settle (both sides, one core; settlements batched by the outbox pay it once per batch): ${cpuUs.toFixed(1)} µs CPU, ${wallUs.toFixed(1)} µs wall, nonces remembered ${nonces.size}`);
}
