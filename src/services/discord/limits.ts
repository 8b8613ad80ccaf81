/** Discord drops an interaction that is not acknowledged (replied or deferred) within 3 seconds. */
export const INTERACTION_ACK_DEADLINE_MS = 3_000;
/** An interaction's token, used for every later edit and follow-up, is valid for 15 minutes. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
/** Give up on a token a little early: a request sent just before expiry may arrive after it. */
export const INTERACTION_TOKEN_SAFETY_MS = 10_000;
