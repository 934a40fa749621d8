/**
 * Fastify's `trustProxy` option from the configured trust: a hop count becomes the function
 * Fastify calls per hop (hop 0 is the socket's peer), the other forms pass through.
 */
export function fastifyTrustProxy(trust: boolean | number | readonly string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}
