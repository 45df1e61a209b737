import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds of one group of threads: in all, and the part spent in the kernel. */
export interface LaneCpu {
  readonly seconds: number;
  readonly kernelSeconds: number;
}

/** CPU per group of this process's threads. */
export type ThreadCpu = Readonly<Record<string, LaneCpu>>;

/** Kernel clock ticks per second for /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** A thread's or process's name and CPU ticks from its `/proc/.../stat` line. */
function parseStat(stat: string): { name: string; userTicks: number; kernelTicks: number } {
  // The name sits in parentheses and may hold spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    userTicks: Number(fields[11]),
    kernelTicks: Number(fields[12]),
  };
}

/**
 * Which lane a thread works for, by its name. Node leaves V8's platform workers (garbage collection,
 * compilation) and libuv's pool (zlib, file system) named after the process; ClickHouse names its own threads,
 * MergeMutate being the background merges.
 */
function laneOf(thread: string, name: string): string {
  if (thread === String(process.pid)) return 'main thread';
  if (name === 'node') return 'V8 and libuv helpers';
  if (name === 'MergeMutate') return 'chDB merges';
  return 'chDB statements';
}

/**
 * CPU time of this process's threads by lane, read from /proc (Linux); an empty record elsewhere. Threads
 * that ended between two reads drop out, so compare reads taken while the same threads run.
 */
export function threadCpu(): ThreadCpu {
  const lanes: Record<string, LaneCpu> = {};
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return lanes;
  }
  for (const thread of threads) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const { name, userTicks, kernelTicks } = parseStat(stat);
    const lane = laneOf(thread, name);
    const sum = lanes[lane] ?? { seconds: 0, kernelSeconds: 0 };
    lanes[lane] = {
      seconds: sum.seconds + (userTicks + kernelTicks) / TICKS_PER_SECOND,
      kernelSeconds: sum.kernelSeconds + kernelTicks / TICKS_PER_SECOND,
    };
  }
  return lanes;
}

/**
 * CPU seconds another process has used so far (`/proc/<pid>/stat`), e.g. the broker's; undefined when it cannot
 * be read (not Linux, no such process).
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const { userTicks, kernelTicks } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (userTicks + kernelTicks) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * `after - before` per lane as µs per event, largest first, with the kernel's part:
 * "chDB statements 9.7 (kernel 2.1), main thread 8.1 (kernel 0.4), ...".
 */
export function threadCpuPerEvent(before: ThreadCpu, after: ThreadCpu, events: number): string {
  const perEvent = (seconds: number): number => (seconds * 1e6) / events;
  return Object.entries(after)
    .map(([lane, cpu]) => {
      const earlier = before[lane] ?? { seconds: 0, kernelSeconds: 0 };
      return {
        lane,
        micros: perEvent(cpu.seconds - earlier.seconds),
        kernelMicros: perEvent(cpu.kernelSeconds - earlier.kernelSeconds),
      };
    })
    .filter(({ micros }) => micros >= 0.05)
    .sort((a, b) => b.micros - a.micros)
    .map(
      ({ lane, micros, kernelMicros }) => `${lane} ${micros.toFixed(1)} (kernel ${kernelMicros.toFixed(1)})`,
    )
    .join(', ');
}
