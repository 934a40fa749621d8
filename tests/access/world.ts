import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { streamName } from '@pz/contracts';
import { productDecider } from '@pz/domain';
import { newSecretKey, sha256Hex } from '../../services/api/src/auth/secrets';
import { systemContext } from '../../services/api/src/commands/command-context';
import { attachTestFile } from '../../services/api/src/downloads/testing';
import type { TestServer } from '../../services/api/src/testing';

export type Json = Record<string, unknown>;

export interface Reply {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
  readonly headers: Record<string, string | string[] | number | undefined>;
}

/** A user whose current `Authorization` value changes when a matrix cell rotates its token. */
export interface Identity {
  readonly username: string;
  readonly userId: number;
  readonly password: string;
  auth: string;
}

export const PASSWORD = 'correct horse battery';
const MAIN_CSV = Buffer.from('ID,RA,DEC,Z\n1,10.5,-3.25,0.41\n2,11.0,-3.5,0.73\n');

let addressCounter = 0;
/** A fresh client address per request, so the login/token rate limits never decide a matrix cell. */
export const freshAddress = (): string => {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
};

/** The fixtures every matrix cell runs against: one server, three users, products in each state. */
export interface World {
  readonly server: TestServer;
  readonly alice: Identity;
  readonly bob: Identity;
  readonly admin: Identity;
  /** Alice's first token, replaced through `/api/get_token/`. */
  readonly revokedAuth: string;
  /** Alice's portal session: the cookie header and the CSRF value to echo. */
  readonly session: { readonly cookie: string; readonly csrf: string };
  /** Alice's products: `readable` is only ever read; `writable` takes the non-destructive writes; `deleted` is soft-deleted. */
  readonly products: { readonly readable: number; readonly writable: number; readonly deleted: number };
  readonly files: { readonly readable: number; readonly deleted: number };
  readonly columns: { readonly readable: number; readonly writable: number; readonly deleted: number };
  /** Share keys of the readable product. */
  readonly shares: { readonly valid: string; readonly expired: string; readonly revoked: string };
  /** Signed download links of the readable product (the `token` query values). */
  readonly downloadTokens: { readonly zip: string; readonly main: string };
  /** Display names of the fixtures, which no refusal may echo. */
  readonly names: readonly string[];
  /** Every secret handed out (tokens, share keys, passwords): none may be stored in clear. */
  readonly secrets: string[];
  call(options: InjectOptions): Promise<Reply>;
  freshProduct(): Promise<number>;
  freshAuxFile(productId: number): Promise<number>;
  freshShare(productId: number): Promise<string>;
}

/**
 * Requests to the app in-process, each from an address of its own (rate limits never meet): `call`
 * answers the reply, `must` the JSON body of an answer with the expected status (setup steps).
 */
export function injector(server: TestServer) {
  const call = async (options: InjectOptions): Promise<Reply> => {
    const response = await server.app.inject({ remoteAddress: freshAddress(), ...options });
    const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json') && response.body !== '';
    return { status: response.statusCode, body: (isJson ? JSON.parse(response.body) : {}) as Json, text: response.body, headers: response.headers };
  };
  const must = async (options: InjectOptions, status: number): Promise<Json> => {
    const reply = await call(options);
    if (reply.status !== status) throw new Error(`setup: ${options.method} ${options.url} gave ${reply.status} ${reply.text.slice(0, 300)}`);
    return reply.body;
  };
  return { call, must };
}

export async function buildWorld(server: TestServer): Promise<World> {
  const { call, must } = injector(server);
  const user = async (username: string, admin = false): Promise<Identity> => {
    const created = await server.createUser(username, { admin, password: PASSWORD });
    return { username, userId: created.userId, password: PASSWORD, auth: created.auth };
  };
  const [alice, bob, admin] = [await user('alice'), await user('bob'), await user('curator', true)];
  const secrets = [PASSWORD, alice.auth.slice(6), bob.auth.slice(6), admin.auth.slice(6)];

  const revokedAuth = alice.auth;
  const rotated = await must({ method: 'POST', url: '/api/get_token/', headers: { authorization: alice.auth } }, 200);
  alice.auth = `Token ${String(rotated.token)}`;
  secrets.push(String(rotated.token));

  const login = await call({ method: 'POST', url: '/api/auth/login/', payload: { username: 'alice', password: PASSWORD } });
  if (login.status !== 200) throw new Error(`setup: login gave ${login.status}`);
  const cookie = ([] as string[]).concat((login.headers['set-cookie'] as string | string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');
  const session = { cookie, csrf: String(login.body.csrf_token) };

  const names: string[] = [];
  const product = async (name: string): Promise<number> => {
    names.push(name);
    const created = await must({ method: 'POST', url: '/api/products/', headers: { authorization: alice.auth }, payload: { display_name: name, product_type: 'training_set' } }, 201);
    return created.id as number;
  };
  const registered = async (name: string) => {
    const id = await product(name);
    const file = await attachTestFile(server.deps, id, alice.userId, { name: 'catalog.csv', role: 0, content: MAIN_CSV, mimeType: 'text/csv' });
    await attachTestFile(server.deps, id, alice.userId, { name: 'notes.txt', role: 2, content: Buffer.from('notes\n'), mimeType: 'text/plain' });
    await must({ method: 'POST', url: `/api/products/${id}/registry/`, headers: { authorization: alice.auth } }, 200);
    const columns = await must({ method: 'GET', url: `/api/product-contents/?product=${id}&ordering=id`, headers: { authorization: alice.auth } }, 200);
    const first = (columns.results as Json[])[0];
    if (!first) throw new Error(`setup: product ${id} has no columns`);
    return { id, file, column: first.id as number };
  };
  const readable = await registered('Access matrix readable product');
  const writable = await registered('Access matrix writable product');
  const deleted = await registered('Access matrix deleted product');
  await must({ method: 'DELETE', url: `/api/products/${deleted.id}/`, headers: { authorization: alice.auth } }, 204);

  const shareOf = async (productId: number, expiresAt: string | null): Promise<{ key: string; shareId: string }> => {
    const key = newSecretKey();
    const shareId = randomUUID();
    // Straight to the decider: the API refuses an expiry in the past, so an expired link is recorded as it will look later.
    const shared = await server.deps.bus.execute(productDecider, streamName('product', productId), {
      type: 'ShareProduct', caller: { userId: alice.userId, isAdmin: false }, shareId, keyHash: sha256Hex(key), expiresAt,
    }, systemContext(randomUUID()));
    if (!shared.ok) throw new Error(shared.error.message);
    return { key, shareId };
  };
  const valid = await must({ method: 'POST', url: `/api/products/${readable.id}/shares/`, headers: { authorization: alice.auth }, payload: {} }, 201);
  const expired = await shareOf(readable.id, new Date(Date.now() - 60_000).toISOString());
  const revoked = await shareOf(readable.id, null);
  await must({ method: 'DELETE', url: `/api/products/${readable.id}/shares/${revoked.shareId}/`, headers: { authorization: alice.auth } }, 204);
  const shares = { valid: String(valid.key), expired: expired.key, revoked: revoked.key };
  secrets.push(shares.valid, shares.expired, shares.revoked);

  const linkToken = (body: Json): string => new URL(String(body.download_url)).searchParams.get('token') ?? '';
  let zip = await call({ method: 'POST', url: `/api/products/${readable.id}/download/prepare/`, headers: { authorization: alice.auth } });
  for (let i = 0; zip.status === 202 && i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    zip = await call({ method: 'POST', url: `/api/products/${readable.id}/download/prepare/`, headers: { authorization: alice.auth } });
  }
  if (zip.status !== 200) throw new Error(`setup: zip prepare gave ${zip.status}`);
  const main = await must({ method: 'POST', url: `/api/products/${readable.id}/download/main-file/prepare/`, headers: { authorization: alice.auth } }, 200);

  return {
    server, alice, bob, admin, revokedAuth, session, names, secrets, call,
    products: { readable: readable.id, writable: writable.id, deleted: deleted.id },
    files: { readable: readable.file, deleted: deleted.file },
    columns: { readable: readable.column, writable: writable.column, deleted: deleted.column },
    shares,
    downloadTokens: { zip: linkToken(zip.body), main: linkToken(main) },
    freshProduct: () => product('Access matrix fresh product'),
    freshAuxFile: (productId) => attachTestFile(server.deps, productId, alice.userId, { name: 'fresh.txt', role: 2, content: Buffer.from(randomUUID()), mimeType: 'text/plain' }),
    freshShare: async (productId) => (await shareOf(productId, null)).shareId,
  };
}
