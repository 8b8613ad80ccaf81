import { createHmac, hkdfSync } from 'node:crypto';

/**
 * HKDF's "info" for the key that names a forgotten member: LEDGER_SECRET also keys the link's signatures (signing.ts, another "info"),
 * so the hash key is derived from it, for this use only.
 */
const MEMBER_HASH_INFO = 'discord-bot /forget-me tombstone v1';
/** HMAC-SHA256's own size: a longer key adds nothing. */
const MEMBER_HASH_KEY_BYTES = 32;

/** A member's ID as a /forget-me tombstone holds it: lowercase hex HMAC-SHA256. */
export type MemberHasher = (userId: string) => string;

/**
 * The keyed hash every host and the coordinator compute alike (they share LEDGER_SECRET). Without the secret a
 * hash cannot be tested against guessed IDs (Discord IDs are guessable: a time and a counter). The key lives only
 * in the returned closure, so it cannot end up in a log line.
 */
export function memberHasher(secret: string): MemberHasher {
  const key = Buffer.from(hkdfSync('sha256', secret, '', MEMBER_HASH_INFO, MEMBER_HASH_KEY_BYTES));
  return (userId) => createHmac('sha256', key).update(userId).digest('hex');
}
