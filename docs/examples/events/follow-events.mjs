// Follows the Photo-z Server event stream and never misses or repeats an event across restarts,
// dropped connections and `overflow` closes: the id of the last event handled is saved to a file
// and sent back as Last-Event-ID.
//
//   PZ_URL=http://127.0.0.1:8000 PZ_TOKEN=<token> node follow-events.mjs [position-file]
/* global console, fetch, TextDecoder */
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const base = process.env.PZ_URL ?? 'http://127.0.0.1:8000';
const token = process.env.PZ_TOKEN;
const positionFile = process.argv[2] ?? 'pz-events.position';
const query = process.env.PZ_QUERY ?? ''; // e.g. "types=ProductPublished,ProductMarkedOfficial&official=true"

const saved = () => { try { return readFileSync(positionFile, 'utf8').trim(); } catch { return ''; } };

async function handle(id, type, entry) {
  console.log(id, type, entry.product_id ?? '', entry.actor?.username ?? '');
  writeFileSync(positionFile, id); // after handling: a crash here replays this one event, never skips it
}

async function followOnce() {
  const last = saved();
  const response = await fetch(`${base}/api/events/stream/?${query}`, {
    headers: { authorization: `Token ${token}`, accept: 'text/event-stream', ...(last ? { 'last-event-id': last } : {}) },
  });
  if (response.status !== 200) throw new Error(`stream answered ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const field = (name) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      const id = field('id');
      const type = field('event');
      const data = field('data');
      if (!id || !data) continue; // heartbeat comments and the retry hint
      if (type === 'overflow') {
        writeFileSync(positionFile, JSON.parse(data).resume_after); // we were too slow: resume where the server stopped
        continue;
      }
      await handle(id, type, JSON.parse(data));
    }
  }
}

for (;;) {
  try {
    await followOnce();
  } catch (error) {
    console.error('stream:', error.message);
  }
  await new Promise((r) => setTimeout(r, 2000));
}
