import os from 'node:os';

/** What the figures were measured on, printed before every run (and copied into docs/benchmarks.md). */
export function describeMachine(): string[] {
  const cpus = os.cpus();
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return [
    `cpu: ${cpus[0]?.model ?? 'unknown'}, ${os.availableParallelism()} usable cores`,
    `memory: ${gib(os.totalmem())} total, ${gib(os.freemem())} free`,
    `load average (1, 5, 15 min) at start: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`,
    `node ${process.version} on ${os.platform()} ${os.release()}`,
  ];
}
