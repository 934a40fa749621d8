import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface CommandTiming {
  /** Wall clock, from spawn to exit. */
  readonly seconds: number;
  /** User + system CPU seconds of the command, as GNU time reports them. */
  readonly cpuSeconds: number;
  /** Its standard output, when asked for; otherwise it went to /dev/null. */
  readonly stdout: string;
}

/**
 * Runs a program (no shell) under GNU time, with its standard output on /dev/null unless
 * `captureStdout`; fails when it exits non-zero. The CPU seconds tell apart a slow command from
 * one waiting for a busy machine.
 */
export async function timeCommand(program: string, args: readonly string[], options: { captureStdout?: boolean } = {}): Promise<CommandTiming> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pz-bench-time-'));
  const report = path.join(dir, 'time');
  try {
    let stdout = '';
    const seconds = await new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', report, program, ...args], { stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'] });
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) => {
        const elapsed = (performance.now() - started) / 1000;
        if (code === 0) resolve(elapsed);
        else reject(new Error(`${program} ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 300)}`));
      });
    });
    const [user, system] = (await readFile(report, 'utf8')).trim().split(/\s+/).map(Number);
    return { seconds, cpuSeconds: (user ?? Number.NaN) + (system ?? Number.NaN), stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
