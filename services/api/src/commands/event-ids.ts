import { createHash } from 'node:crypto';

/** RFC 4122 version-5 UUID (sha1 of namespace + name). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(Buffer.concat([ns, Buffer.from(name, 'utf8')])).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const PZ_NAMESPACE = '6f2c1f1e-3c55-4b0e-9d7a-1b9a3f0c7e42';

/**
 * The id of the index-th event a command produces: the same command (same command id) retried
 * yields the same ids, so the store appends nothing new.
 */
export const eventIdFor = (commandId: string, streamName: string, index: number): string => uuidV5(`${commandId}/${streamName}/${index}`, PZ_NAMESPACE);
