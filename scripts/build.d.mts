/** Types for build.mjs (plain JavaScript, so that it runs before anything is compiled). */
export type BuildState = 'fresh' | 'stale' | 'missing';
export function sourceFingerprint(root?: string): string;
export function buildState(root?: string): BuildState;
export function build(root?: string): string;
export function buildIfStale(root?: string): BuildState;
