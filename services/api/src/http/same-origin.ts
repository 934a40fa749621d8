import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem';

/**
 * A preHandler for the account routes that start or change a sign-in (register, login, logout,
 * token): a browser posting from another site (login CSRF: signing the victim in to the
 * attacker's account) is refused with 403. Browsers say where a request comes from in `Origin`
 * and `Sec-Fetch-Site`; programs (the Python client, curl) send neither and are let through,
 * as are requests from our own origin, which `PUBLIC_URL` defines.
 */
export function refuseCrossSite(publicUrl: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const ours = new URL(publicUrl).origin;
  return async (request, reply) => {
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    const crossOrigin = origin !== undefined && origin !== ours;
    const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
    if (crossOrigin || crossSite) {
      await sendProblem(reply, { code: 'CSRF_FAILED', message: `cross-site request refused: sign in from ${ours} (Origin ${String(origin ?? 'absent')}, Sec-Fetch-Site ${String(site ?? 'absent')})` });
    }
  };
}
