/** Types for fingerprint.mjs (plain JavaScript, so that it runs before anything is compiled). */
export type BuildState = 'fresh' | 'stale' | 'missing';
export const DEFAULT_ROOT: string;
export const FINGERPRINT_FILE: string;
export function sourceFingerprint(root?: string): string;
export function statFingerprint(root?: string): string;
export function fingerprintOf(root?: string): string;
export function buildState(root?: string): BuildState;
