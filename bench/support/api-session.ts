import { signUpOverHttp } from '@pz/api/sign-up-over-http';

/**
 * The steps of docs/api.md a person takes before uploading, over HTTP: sign up, sign in, get a
 * token, register a product. Each answer is checked, so a benchmark never times a refusal.
 */
export interface ApiSession {
  readonly origin: string;
  /** `Authorization` header value. */
  readonly auth: string;
}

async function expectJson<T>(response: Response, status: number, what: string): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** A new account with an API token (register, log in, then `get_token` with the session and CSRF cookies). */
export async function signUp(origin: string, username: string): Promise<ApiSession> {
  return { origin, auth: `Token ${await signUpOverHttp(origin, username, 'a long bench passphrase')}` };
}

/** Registers a product and returns its id. */
export async function registerProduct(session: ApiSession, displayName: string, productType = 'redshift_catalog'): Promise<number> {
  const response = await fetch(`${session.origin}/api/products/`, {
    method: 'POST',
    headers: { authorization: session.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ display_name: displayName, product_type: productType, description: 'benchmark product' }),
  });
  const { id } = await expectJson<{ id: number }>(response, 201, 'register product');
  return id;
}
