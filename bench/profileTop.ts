import { readFileSync } from 'node:fs';

/**
 * Reads a CPU profile of the bot (BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=DIR' npm run bench load) and prints
 * the functions with the most self time and total time within a window, e.g. a burst's window printed by the bench:
 *
 *   node --import tsx bench/profileTop.ts DIR/CPU.….cpuprofile 21206677588 21216163995 [rows]
 *
 * Samples are taken on the wall clock: on a loaded machine a descheduled thread's time is counted too, so compare
 * shares, and windows of the same profile (the cold burst against the warm one), rather than milliseconds.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, from, to, rows = '30'] = process.argv.slice(2);
if (!file || !from || !to) throw new Error('usage: bench/profileTop.ts <file.cpuprofile> <from µs> <to µs> [rows]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
const label = ({ callFrame }: ProfileNode) => `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}`;

const self = new Map<string, number>();
const total = new Map<string, number>();
const add = (into: Map<string, number>, key: string, ms: number) => into.set(key, (into.get(key) ?? 0) + ms);
let busyMs = 0;
let at = profile.startTime;
profile.samples.forEach((id, n) => {
  at += profile.timeDeltas[n]!;
  const node = nodes.get(id)!;
  if (at < Number(from) || at > Number(to) || node.callFrame.functionName === '(idle)') return;
  const ms = (profile.timeDeltas[n + 1] ?? 0) / 1000;
  busyMs += ms;
  add(self, label(node), ms);
  // A recursive function counts once per sample in the total.
  const seen = new Set<string>();
  for (let up: number | undefined = id; up !== undefined; up = parents.get(up)) seen.add(label(nodes.get(up)!));
  for (const name of seen) add(total, name, ms);
});

console.log(`window ${((Number(to) - Number(from)) / 1000).toFixed(0)} ms, busy ${busyMs.toFixed(0)} ms`);
for (const [title, figures] of [['self time', self], ['total time', total]] as const) {
  console.log(`-- ${title}`);
  for (const [name, ms] of [...figures].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
    console.log(`${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / busyMs).toFixed(1).padStart(5)} %  ${name}`);
  }
}
