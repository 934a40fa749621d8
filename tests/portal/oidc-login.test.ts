import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { freePort } from '@pz/api/free-port';
import { startTestIdentityProvider, type TestIdentityProvider } from '../oidc/test-identity-provider';
import { ensurePortalBuild, launchChromium, seriousAxeViolations } from './browser';

/**
 * A person logs in to the portal through an OpenID Connect provider in a real browser: the
 * server process as `npm start` runs it, the `oidc-provider` package on another loopback port
 * with its own login and consent pages, chromium in between.
 */
const ADMIN_PASSWORD = 'the coordination group passphrase';

describe('the portal, logging in through an identity provider', () => {
  let idp: TestIdentityProvider;
  let server: ApiProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let restrictedName = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensurePortalBuild();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-portal-oidc-'));
    // The server is told the issuer first (it reads the discovery document at the first login);
    // the provider then registers the callback on the server's port.
    const idpPort = await freePort();
    server = await spawnApiProcess({
      env: {
        DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn',
        OIDC_ISSUER: `http://127.0.0.1:${idpPort}`, OIDC_CLIENT_ID: 'photoz', OIDC_CLIENT_SECRET: 'photoz-secret',
        OIDC_SCOPES: 'openid profile email groups', OIDC_DISPLAY_NAME: 'Test IdP',
        PZ_BOOTSTRAP_ADMIN: 'coord', PZ_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
      startupMs: 90_000,
    });
    await server.ready;
    origin = server.origin;
    idp = await startTestIdentityProvider([{
      client_id: 'photoz', client_secret: 'photoz-secret', redirect_uris: [`${origin}/api/auth/oidc/callback/`], grant_types: ['authorization_code'], response_types: ['code'],
    }], { port: idpPort });
    // A release open to the group `dp1` only, with one product in it (the admin registers both).
    const login = await fetch(`${origin}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'coord', password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
    const asAdmin = async (method: string, pathname: string, body: unknown) => {
      const response = await fetch(`${origin}/api/${pathname}`, { method, headers: { cookie, 'x-csrftoken': csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status, `${method} ${pathname}: ${await response.clone().text()}`).toBeLessThan(300);
      return (await response.json()) as Record<string, unknown>;
    };
    await asAdmin('POST', 'admin/groups/', { name: 'dp1', description: 'DP1 data rights' });
    const release = await asAdmin('POST', 'admin/releases/', { name: 'DP7', display_name: 'Data Preview 7' });
    await asAdmin('PUT', `releases/${release.id as number}/access/`, { groups: ['dp1'] });
    restrictedName = (await asAdmin('POST', 'products/', { display_name: 'DP7 training set', product_type: 'training_set', release: 'DP7' })).internal_name as string;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await idp?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const signInAtProvider = async (login: string) => {
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  };
  const api = async (pathname: string, token: string) => {
    const response = await fetch(`${origin}/api/${pathname}`, { headers: { Authorization: `Token ${token}` } });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('offers "Log in with Test IdP"; the person signs in there, comes back signed in, and gets a working API token', async () => {
    idp.accounts.set('nina-42', { preferred_username: 'nina', given_name: 'Nina', family_name: 'Hernitschek', email: 'nina@example.org', groups: ['dp1'] });
    await page.goto(`${origin}/login?next=/me/token`);
    const button = page.getByRole('link', { name: 'Log in with Test IdP' });
    await button.waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await button.click();
    await signInAtProvider('nina-42');
    await page.waitForURL(`${origin}/me/token`);
    await page.getByRole('button', { name: 'nina ▾' }).waitFor();
    await page.getByRole('button', { name: 'Generate a token' }).click();
    const token = (await page.getByTestId('token').textContent()) ?? '';
    expect(token).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(await api('logged_user/', token)).toMatchObject({ status: 200, json: { username: 'nina', first_name: 'Nina', last_name: 'Hernitschek' } });
    expect((await api('products/', token)).status).toBe(200);
    // The account page of a signed-in person: their products.
    await page.getByRole('button', { name: 'nina ▾' }).click();
    await page.getByRole('link', { name: 'My products' }).click();
    await page.waitForURL(`${origin}/me/products`);
    // The claim's group `dp1` opens the release restricted to it: the account page says where it comes from, the product shows.
    await page.goto(`${origin}/me/account`);
    await page.getByTestId('my-groups').filter({ hasText: 'dp1' }).filter({ hasText: 'from your identity provider' }).waitFor();
    await page.goto(`${origin}/product/${restrictedName}`);
    await page.getByRole('heading', { level: 1, name: 'DP7 training set' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('logs the same person in again after a log out, as the same account, with what the provider says now', async () => {
    // The provider no longer says `dp1`: at this login the membership goes, and the DP7 product with it.
    idp.accounts.set('nina-42', { preferred_username: 'nina', given_name: 'Nina', family_name: 'Hernitschek-Rubin', email: 'nina@example.org', groups: ['rubin'] });
    await page.getByRole('button', { name: 'nina ▾' }).click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in', exact: true }).waitFor();
    await page.goto(`${origin}/login`);
    await page.getByRole('link', { name: 'Log in with Test IdP' }).click();
    // The provider may remember the person (its own session) and send them straight back.
    await page.waitForURL((url) => url.origin === idp.issuer || url.href === `${origin}/`);
    if (new URL(page.url()).origin === idp.issuer) await signInAtProvider('nina-42');
    await page.waitForURL(`${origin}/`);
    await page.getByRole('button', { name: 'nina ▾' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/logged_user/')).json() as Promise<{ username: string; last_name: string }>);
    expect(me).toMatchObject({ username: 'nina', last_name: 'Hernitschek-Rubin' });
    await page.goto(`${origin}/me/account`);
    await page.getByTestId('my-groups').filter({ hasText: 'rubin' }).waitFor();
    expect(await page.getByTestId('my-groups').textContent()).not.toContain('dp1');
    await page.goto(`${origin}/product/${restrictedName}`);
    await page.getByText(`No product named "${restrictedName}"`).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('shows why a login through the provider failed', async () => {
    await page.goto(`${origin}/api/auth/oidc/callback/?code=stolen&state=forged`);
    await page.waitForURL((url) => url.pathname === '/login');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/took too long or was not started here/);
    // Only the server's code is in the URL: a link cannot put its own words on our page.
    await page.goto(`${origin}/login?login_error=${encodeURIComponent('Your account is locked: call +1 555 0100')}`);
    await expect(page.getByRole('alert').textContent()).resolves.toBe('The login through the identity provider failed.');
  });
});
