import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LoadOptions, LoadResult } from './http-load';

/** Whether `wrk` (Debian package `wrk`) can be run here. */
export function wrkAvailable(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  // wrk prints its usage and exits 1 for --version; a missing program is an error, not an exit code.
  return probe.error === undefined;
}

/** What the script's `done` prints as its last line (latencies in microseconds, as wrk keeps them). */
interface WrkReport {
  readonly requests: number;
  readonly durationUs: number;
  readonly errors: number;
  readonly firstError: string;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly tally: Record<string, number>;
}

/**
 * The same closed loop as the node generator, from wrk: `connections` keep-alive connections on
 * one wrk thread (the machine's other core serves the server and PostgreSQL), each sending its
 * next GET as soon as the previous answer is in; the paths taken in turn by every connection
 * of the thread. wrk has no warm-up, so it runs twice: `warmupSeconds` unrecorded, then
 * `seconds` measured. Latency percentiles are wrk's own (its histogram has microsecond steps).
 */
export async function runWrkLoad(options: LoadOptions): Promise<Omit<LoadResult, 'client'>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pz-bench-wrk-'));
  try {
    const script = path.join(dir, 'load.lua');
    await writeFile(script, luaScript(options));
    if (options.warmupSeconds > 0) await wrk(options, script, options.warmupSeconds);
    const report = await wrk(options, script, options.seconds);
    const ms = (us: number) => us / 1000;
    return {
      requests: report.requests,
      requestsPerSecond: report.requests / (report.durationUs / 1e6),
      errors: report.errors,
      firstError: report.firstError === '' ? null : report.firstError,
      latency: { count: report.requests, mean: ms(report.meanUs), p50: ms(report.p50Us), p90: ms(report.p90Us), p99: ms(report.p99Us), max: ms(report.maxUs) },
      tally: report.tally,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function wrk(options: LoadOptions, script: string, seconds: number): Promise<WrkReport> {
  const args = ['-t1', `-c${options.connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--timeout', '60s', '-s', script, `${options.origin}/`];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`wrk exited ${code}: ${err.trim() || out.trim()}`));
      resolve(JSON.parse(line) as WrkReport);
    });
  });
}

const luaString = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;

/** The wrk script: requests cycle through the paths; answers are tallied by `tallyHeader` and non-200s counted; `done` prints one JSON line. */
function luaScript(options: LoadOptions): string {
  const headers = Object.entries(options.headers)
    .map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`)
    .join(', ');
  const tallyHeader = options.tallyHeader?.toLowerCase() ?? '';
  return `
local paths = { ${options.paths.map(luaString).join(',\n')} }
local headers = { ${headers} }
local tallyHeader = ${luaString(tallyHeader)}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  for i, p in ipairs(paths) do prepared[i] = wrk.format("GET", p, headers) end
  turn = 0
  tally = {}
  errors = 0
  firstError = ""
end

function request()
  turn = turn + 1
  return prepared[(turn - 1) % #prepared + 1]
end

function response(status, responseHeaders, body)
  if tallyHeader ~= "" then
    local value = "(none)"
    for name, v in pairs(responseHeaders) do
      if string.lower(name) == tallyHeader then value = v end
    end
    tally[value] = (tally[value] or 0) + 1
  end
  if status ~= 200 then
    errors = errors + 1
    if firstError == "" then firstError = status .. ": " .. string.sub(body or "", 1, 200) end
  end
end

local function json(text)
  return '"' .. string.gsub(text, '[%c"\\\\]', function(c) return string.format("\\\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local totals = {}
  local errorCount = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local first = ""
  for _, thread in ipairs(threads) do
    for value, n in pairs(thread:get("tally")) do totals[value] = (totals[value] or 0) + n end
    errorCount = errorCount + thread:get("errors")
    if first == "" then first = thread:get("firstError") end
  end
  local parts = {}
  for value, n in pairs(totals) do table.insert(parts, json(value) .. ":" .. n) end
  io.write(string.format('\\n{"requests":%d,"durationUs":%d,"errors":%d,"firstError":%s,"meanUs":%f,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"tally":{%s}}\\n',
    summary.requests, summary.duration, errorCount, json(first), latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
`;
}
