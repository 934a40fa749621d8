import { readFile } from 'node:fs/promises';

/** What another process uses, read from /proc (Linux only). */

/** Resident memory of a process, in bytes, from `VmRSS` in /proc/<pid>/status. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat: USER_HZ, 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds this process has used so far (user + system). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export interface RssSampler {
  /** Stops sampling; returns the largest RSS seen and how many samples were taken. */
  stop(): Promise<{ peakBytes: number; samples: number }>;
}

/** Samples a process's RSS every `intervalMs` until stopped. */
export function sampleRss(pid: number, intervalMs = 50): RssSampler {
  let peakBytes = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peakBytes = Math.max(peakBytes, await residentBytes(pid));
      samples++;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      peakBytes = Math.max(peakBytes, await residentBytes(pid));
      return { peakBytes, samples: samples + 1 };
    },
  };
}
