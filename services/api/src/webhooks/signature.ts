import { createHmac } from 'node:crypto';

/** `sha256=<hex>`: HMAC-SHA256 under the webhook's secret of `<timestamp>.<body>`, the timestamp being the X-Pz-Timestamp header (Unix seconds). */
export const webhookSignature = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
