import http from 'node:http';
import { isLoadOptions, type LoadOptions, type LoadSample } from './http-load';

/** The client side of runHttpLoad, in its own process: receives LoadOptions, answers a LoadSample, exits. */
process.once('message', (message) => {
  if (!isLoadOptions(message)) throw new Error('expected load options');
  void generate(message).then((sample) => process.send?.(sample, () => process.exit(0)));
});

async function generate(options: LoadOptions): Promise<LoadSample> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const tally: Record<string, number> = {};
  let turn = 0;
  const begin = performance.now();
  const counted = begin + options.warmupSeconds * 1000;
  const end = counted + options.seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const path = options.paths[turn++ % options.paths.length] as string;
      const sent = performance.now();
      const { status, body, tallied } = await get(agent, `${options.origin}${path}`, options.headers, options.tallyHeader);
      const now = performance.now();
      if (sent < counted) continue;
      latencies.push(now - sent);
      if (options.tallyHeader) tally[tallied ?? '(none)'] = (tally[tallied ?? '(none)'] ?? 0) + 1;
      if (status !== 200) {
        errors++;
        firstError ??= `${status} for ${path}: ${body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, client));
  agent.destroy();
  return { latenciesMs: Float64Array.from(latencies), errors, firstError, seconds: (performance.now() - counted) / 1000, tally };
}

function get(agent: http.Agent, url: string, headers: Readonly<Record<string, string>>, tallyHeader: string | undefined): Promise<{ status: number; body: string; tallied?: string }> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      const ok = response.statusCode === 200;
      response.on('data', (chunk: Buffer) => {
        if (!ok) chunks.push(chunk);
      });
      const value = tallyHeader ? response.headers[tallyHeader.toLowerCase()] : undefined;
      const tallied = Array.isArray(value) ? value.join(',') : value;
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(tallied === undefined ? {} : { tallied }) }));
      response.on('error', (error) => resolve({ status: 0, body: error.message }));
    });
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}
