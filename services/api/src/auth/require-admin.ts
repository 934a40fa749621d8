import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireUser, type AuthenticatedCaller } from './authenticate';
import { sendProblem } from '../http/problem';

/** The signed-in admin, or a 401/403 already sent (returns null). */
export function requireAdmin(request: FastifyRequest, reply: FastifyReply): AuthenticatedCaller | null {
  const caller = requireUser(request, reply);
  if (!caller) return null;
  if (caller.isAdmin) return caller;
  void sendProblem(reply, { code: 'FORBIDDEN', message: 'only admins may do this' });
  return null;
}
