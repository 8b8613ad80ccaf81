import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Memory of other processes, read from Linux's /proc (the bot runs in its own process in these benchmarks). */

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) : Number.NaN;
}

/** Resident memory now, in MB. */
export const rssMb = (pid: number) => statusKb(pid, 'VmRSS') / 1024;

/**
 * Proportional memory, in MB: pages shared between processes (the node binary, which npm and the bot
 * both map) are split between them, so a tree's sum is what it really takes from the machine.
 */
export function pssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n').find((l) => l.startsWith('Pss:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
}

/** The highest resident memory since the process started or since `resetPeakRss`, in MB. */
export const peakRssMb = (pid: number) => statusKb(pid, 'VmHWM') / 1024;

/** Starts a new peak measurement (Linux: writing 5 to clear_refs resets VmHWM). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Linux's USER_HZ, 100 on every common build. */
const CLOCK_TICKS_PER_SECOND = 100;

function cpuMsOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time the process has used so far (user + system), in ms: unlike wall time, barely moved by other load. */
export const cpuMs = (pid: number) => cpuMsOf(`/proc/${pid}/stat`);

/**
 * CPU time of the process's main thread alone (its JavaScript; not GC helpers, libuv's pool or V8's compiler threads), in ms:
 * to the nanosecond from the scheduler's own count (schedstat), else to 10 ms from the tick count.
 */
export function mainThreadCpuMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return cpuMsOf(`/proc/${pid}/task/${pid}/stat`);
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The process and all its descendants, with their command lines. */
export function processTree(root: number): { pid: number; command: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), parentOf(Number(entry)));
    } catch {
      // exited while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  return tree.map((pid) => {
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // exited
    }
    return { pid, command };
  });
}

function treeSum(root: number, measure: (pid: number) => number): number {
  return processTree(root).reduce((sum, p) => {
    try {
      return sum + measure(p.pid);
    } catch {
      return sum; // exited
    }
  }, 0);
}

/** Resident memory of a whole process tree (each process counted in full, as `ps` and `top` show it), in MB. */
export const treeRssMb = (root: number) => treeSum(root, rssMb);

/** Proportional memory of a whole process tree (shared pages counted once), in MB. */
export const treePssMb = (root: number) => treeSum(root, pssMb);
