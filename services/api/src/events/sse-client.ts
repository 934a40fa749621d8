import http from 'node:http';

export interface SseMessage {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/** A minimal SSE reader for tests and benchmarks: messages as they arrive, the raw request to drop it. */
export function openSse(url: string, headers: Record<string, string>, onMessage: (m: SseMessage, request: http.ClientRequest) => void): { request: http.ClientRequest; done: Promise<{ status: number; ended: boolean }> } {
  let request!: http.ClientRequest;
  const done = new Promise<{ status: number; ended: boolean }>((resolve) => {
    request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) onMessage({ id, event, data: data.join('\n') }, request);
        }
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ended: true }));
      response.on('close', () => resolve({ status: response.statusCode ?? 0, ended: response.complete }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0, ended: false }));
    });
    request.on('error', () => resolve({ status: 0, ended: false }));
  });
  return { request, done };
}
