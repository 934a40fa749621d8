import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { REPOSITORY, ensurePortalBuild, launchChromium, seriousAxeViolations } from './browser';

const CATALOGS = path.join(REPOSITORY, '..', 'shared', 'data', 'redshift-catalogs');
const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS === '1' ? path.join(REPOSITORY, 'docs', 'screenshots') : null;
const PASSWORD = 'a long passphrase for the pipelines page';

type Json = Record<string, unknown>;

/**
 * The pipelines page in a real browser against the real server (`npm start`'s entry point, its
 * in-process worker): two catalogs published through the API, then a person picks Combine
 * Redshift Catalogs, sets its parameters from the form, picks the inputs, runs it and follows it
 * to the published output.
 */
describe('the pipelines page in a browser', () => {
  let server: ApiProcess;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  let auth = '';
  const consoleErrors: string[] = [];

  const call = async (method: string, url: string, body?: Json) => {
    const response = await fetch(`${server.origin}${url}`, { method, headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const publish = async (file: string, roles: Record<string, string>) => {
    const created = await call('POST', '/api/products/', { display_name: path.basename(file, '.parquet'), product_type: 'redshift_catalog' });
    const id = created.body.id as number;
    const form = new FormData();
    form.append('product', String(id));
    form.append('role', '0');
    form.append('file', new Blob([readFileSync(file)]), path.basename(file));
    expect((await fetch(`${server.origin}/api/product-files/`, { method: 'POST', headers: { authorization: auth }, body: form })).status).toBe(201);
    expect((await call('GET', `/api/products/${id}/registry/`)).status).toBe(200);
    const columns = (await call('GET', `/api/product-contents/?product=${id}&page_size=100`)).body.results as Json[];
    for (const [name, alias] of Object.entries(roles)) {
      expect((await call('PATCH', `/api/product-contents/${String(columns.find((c) => c.column_name === name)?.id)}/`, { alias })).status).toBe(200);
    }
    expect((await call('PATCH', `/api/products/${id}/`, { status: 1 })).status).toBe(200);
  };

  beforeAll(async () => {
    ensurePortalBuild();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-portal-pipelines-'));
    server = await spawnApiProcess({ env: { DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn' }, startupMs: 120_000 });
    await server.ready;
    const json = { 'content-type': 'application/json' };
    const credentials = JSON.stringify({ username: 'combiner', password: PASSWORD });
    expect((await fetch(`${server.origin}/api/auth/register/`, { method: 'POST', headers: json, body: credentials })).status).toBe(201);
    const login = await fetch(`${server.origin}/api/auth/login/`, { method: 'POST', headers: json, body: credentials });
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const issued = await fetch(`${server.origin}/api/get_token/`, { method: 'POST', headers: { cookie, 'x-csrftoken': csrf } });
    auth = `Token ${((await issued.json()) as { token: string }).token}`;
    await publish(path.join(CATALOGS, 'vvds_final_release_random_sample.parquet'), { NUM: 'ID', ALPHA: 'RA', DELTA: 'Dec', Z: 'z', ZFLAGS: 'z_flag', survey_name: 'survey' });
    await publish(path.join(CATALOGS, '2dflens_final_release_random_sample.parquet'), { unique_id: 'ID', RA: 'RA', Dec: 'Dec', z: 'z', qual: 'z_flag', survey_name: 'survey' });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs Combine Redshift Catalogs from its form and follows it to the published output', async () => {
    await page.goto(`${server.origin}/login`);
    await page.getByLabel('Username').fill('combiner');
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.getByRole('button', { name: 'combiner ▾' }).waitFor();
    await page.goto(`${server.origin}/pipelines`);
    await page.getByRole('tab', { name: 'Combine Redshift Catalogs' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Training Set Maker' }).count()).toBe(1);
    await page.getByLabel('Name of the output').fill('Combined in the portal');
    await page.getByLabel('combine_type').selectOption('concatenate_and_remove_duplicates');
    await page.getByLabel('crossmatch.radius_arcsec').fill('2');
    await page.getByLabel('output_format').selectOption('fits');
    await page.getByLabel(/vvds_final_release_random_sample/).check();
    await page.getByLabel(/2dflens_final_release_random_sample/).check();
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'pipelines-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Run Combine Redshift Catalogs' }).click();
    await page.waitForURL(/\/pipelines\?process=\d+$/);
    await page.getByText('Successful').waitFor({ timeout: 60_000 });
    const output = page.getByRole('link', { name: 'Combined in the portal' });
    await output.waitFor();
    expect(await page.getByText(/Rows read: 2,000/).count()).toBe(1);
    // The run's log, open once it has ended: its last line says what was written.
    await page.getByText(/succeeded: \d+ rows written to Combined_in_the_portal\.fits \(fits\)/).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'pipelines-run.png'), fullPage: true });
    const processId = Number(new URL(page.url()).searchParams.get('process'));
    const shown = await call('GET', `/api/processes/${processId}/`);
    expect(shown.body).toMatchObject({ status: 'Successful', used_config: { param: { combine_type: 'concatenate_and_remove_duplicates', crossmatch: { radius_arcsec: 2 }, output_format: 'fits' } } });
    await output.click();
    await page.waitForURL(/\/product\//);
    expect(consoleErrors).toEqual([]);
  }, 180_000);
});
