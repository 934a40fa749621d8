import type { FastifyInstance } from 'fastify';

/** One method of one route as the app registered it: `GET /api/products/:id` (no trailing slash). */
export type RouteKey = `${string} /${string}`;

/**
 * Every (method, path) the app serves, read from Fastify's own route tree (`printRoutes`), so a
 * route added later shows up here without anyone listing it. The tree is a radix tree: a node's
 * full path is its ancestors' labels joined; `ignoreTrailingSlash` stores paths without the
 * final slash, which is why the keys carry none.
 */
export function appRoutes(app: Pick<FastifyInstance, 'printRoutes'>): RouteKey[] {
  const keys: RouteKey[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const branch = /^([│ ]*)[├└]── (.+)$/u.exec(line.replace(/\u00a0/g, ' '));
    if (branch?.[1] === undefined || !branch[2]) continue;
    const depth = branch[1].length / 4;
    const node = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(branch[2]);
    if (!node?.[1]) throw new Error(`unreadable route line: ${line}`);
    const parent = stack.slice(0, depth).join('');
    // A wildcard child is printed without the slash that separates it from its parent.
    const label = node[1].startsWith('*') && !parent.endsWith('/') ? `/${node[1]}` : node[1];
    stack.length = depth;
    stack.push(label);
    const path = stack.join('');
    for (const method of node[2]?.split(', ') ?? []) keys.push(`${method} ${path}` as RouteKey);
  }
  if (keys.length === 0) throw new Error('printRoutes gave no routes: has its format changed?');
  return [...new Set(keys)].sort();
}
