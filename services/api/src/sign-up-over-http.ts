/**
 * The steps docs/api.md gives a person before they use the API from a notebook, over HTTP against
 * a running server: sign up, log in (session and CSRF cookies), ask for a personal token. Every
 * answer is checked, so a test or a benchmark never goes on with a refusal. Answers the token.
 */
export async function signUpOverHttp(origin: string, username: string, password = 'a long passphrase for tests'): Promise<string> {
  const credentials = JSON.stringify({ username, password });
  const json = { 'content-type': 'application/json' };
  const registered = await fetch(`${origin}/api/auth/register/`, { method: 'POST', headers: json, body: credentials });
  if (registered.status !== 201) throw new Error(`sign-up: ${registered.status} ${await registered.text()}`);
  const login = await fetch(`${origin}/api/auth/login/`, { method: 'POST', headers: json, body: credentials });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const issued = await fetch(`${origin}/api/get_token/`, { method: 'POST', headers: { cookie, 'x-csrftoken': csrf } });
  if (issued.status !== 200) throw new Error(`get_token: ${issued.status} ${await issued.text()}`);
  return ((await issued.json()) as { token: string }).token;
}
