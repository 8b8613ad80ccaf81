/** Types for build.mjs (plain JavaScript, so that it runs before anything is compiled). */
import type { BuildState } from './fingerprint.mjs';

export function build(root?: string): string;
export function buildIfStale(root?: string): BuildState;
/** esbuild's options for the bot's bundle, without entry points and output folder (`shared`: a temporary folder for its aliases). */
export function bundleOptions(root: string, shared: string): Record<string, unknown>;
/** Rewrites each of esbuild's source maps in `outdir` as the cut-down map the bot reads (scripts/sourceMaps.mjs). */
export function slimSourceMaps(outdir: string): void;
