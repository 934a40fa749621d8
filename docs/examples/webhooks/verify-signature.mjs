// A webhook receiver that checks the Photo-z Server's signature before trusting a delivery.
//   PZ_WEBHOOK_SECRET=<secret shown at registration> node verify-signature.mjs   (listens on :8787)
/* global console */
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import process from 'node:process';
import http from 'node:http';

const secret = process.env.PZ_WEBHOOK_SECRET ?? '';
const seen = new Set(); // keep it in a database in real use: deliveries are at least once

export function verify(headers, body, now = Date.now()) {
  const timestamp = String(headers['x-pz-timestamp'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return false; // replay window: 5 minutes
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(String(headers['x-pz-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => { body += chunk; });
  request.on('end', () => {
    if (!verify(request.headers, body)) return response.writeHead(401).end();
    const eventId = request.headers['x-pz-event-id'];
    if (!seen.has(eventId)) {
      seen.add(eventId);
      const event = JSON.parse(body);
      console.log(event.position, event.type, event.product_id);
    }
    response.writeHead(204).end(); // any 2xx: delivered; anything else is retried with backoff
  });
}).listen(8787);
