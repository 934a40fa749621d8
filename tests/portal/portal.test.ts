import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { membersOf, syntheticCatalog, writeZip } from '@pz/tables/hats/hats-fixtures';
import { REPOSITORY, ensurePortalBuild, launchChromium, seriousAxeViolations } from './browser';

const TUTORIAL = path.join(REPOSITORY, '..', 'shared', 'data', 'pzserver-tutorial');
const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS === '1' ? path.join(REPOSITORY, 'docs', 'screenshots') : null;
const BUDGET_BYTES = 150 * 1024;
/** An auxiliary HTML file that tries to read our cookies and call our API (it must not run). */
const HOSTILE_HTML = `<!doctype html><html><head><title>hostile</title></head><body><h1 id="title">Hostile aux</h1>
<script>
  document.getElementById('title').textContent = 'script ran';
  fetch('/api/?leak=' + encodeURIComponent(document.cookie));
  fetch('/api/get_token/', { method: 'POST', credentials: 'include' }).then((r) => r.text()).then((t) => { new Image().src = '/api/?leak-token=' + encodeURIComponent(t); });
  try { parent.document.title = 'leaked ' + parent.document.cookie; } catch (e) { new Image().src = '/api/?leak-parent-blocked'; }
</script></body></html>`;

/** Chromium reports the sandbox doing its job as a console error; that one is expected. */
const EXPECTED_CONSOLE = /sandboxed and the 'allow-scripts' permission is not set/;

/**
 * The portal in a real browser against the real server process (`npm start`'s entry point on the
 * embedded database): sign up, token, find by filter and search, product page with preview,
 * sandboxed HTML, download, share links; an admin marks the product official; axe on every page.
 */
describe('the portal in a browser', () => {
  let server: ApiProcess;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  let token = '';
  let adminPassword = '';
  let productId = 0;
  let internalName = '';
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    ensurePortalBuild();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-portal-'));
    // Main files above 400 bytes (the tutorial CSV has 459) are registered in the background, as large ones are: the wizard follows it.
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn', REGISTRY_BACKGROUND_BYTES: '400' };
    // The CLI needs the data folder to itself (PGlite is single-process): before the server starts.
    adminPassword = 'admin passphrase for the portal test';
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'services/api/src/cli.ts', 'create-admin', '--username', 'coord', '--password', adminPassword], { cwd: REPOSITORY, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (cli.status !== 0) throw new Error(`create-admin failed:\n${cli.stdout}\n${cli.stderr}`);
    server = await spawnApiProcess({ env, startupMs: 90_000 });
    await server.ready;
    origin = server.origin;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('console', (message) => {
      // The notebook's links to CDNs fail here (no internet): its frame is not our code.
      const from = message.location().url;
      if (from !== '' && !from.startsWith(origin)) return;
      if (message.type() === 'error' && !EXPECTED_CONSOLE.test(message.text())) consoleErrors.push(`${page.url()}: ${message.text()} (${from})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
    context.on('request', (request) => requests.push(request.url()));
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A full-page picture; through a viewport as tall as the page, since full-page captures leave out-of-process (sandboxed) frames blank. */
  const shot = async (name: string, target: Page = page) => {
    if (!SCREENSHOTS) return;
    const viewport = target.viewportSize() ?? { width: 1280, height: 800 };
    const height = (await target.evaluate('document.documentElement.scrollHeight')) as number;
    await target.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
    await target.waitForTimeout(300);
    await target.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    await target.setViewportSize(viewport);
  };
  const expectAccessible = async (target: Page = page) => {
    expect(await seriousAxeViolations(target), target.url()).toEqual([]);
  };
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${origin}/api/${url}`, {
      method,
      headers: { Authorization: `Token ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  it('landing: three cards, accessible, and a CSP that allows only its own scripts', async () => {
    const response = await page.goto(`${origin}/`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    await page.getByRole('heading', { name: 'Official data products' }).waitFor();
    expect(await page.locator('.cards > li').count()).toBe(3);
    await page.getByRole('link', { name: 'Sign up' }).waitFor();
    await shot('landing');
    // The first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await expectAccessible();
    // The API keeps its own strict policy.
    const api = await fetch(`${origin}/api/releases/`);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  it('signs up and gets an API token with a ready-to-paste Python snippet', async () => {
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Username').fill('astro');
    await expectAccessible();
    await page.getByLabel(/^Password/).fill('a long passphrase');
    await page.getByLabel('First name').fill('Vera');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/me\/token$/);
    await page.getByRole('button', { name: 'astro ▾' }).waitFor();
    await page.getByRole('button', { name: 'Generate a token' }).click();
    token = (await page.getByTestId('token').textContent()) ?? '';
    expect(token).toMatch(/^[A-Za-z0-9]{20,}$/);
    const snippet = await page.getByTestId('snippet').textContent();
    expect(snippet).toContain(`PzServer(token="${token}", host="${origin}/api/")`);
    expect((await call('GET', '')).status).toBe(200);
    await expectAccessible();
    // Regenerating replaces the token: the old one stops working.
    await page.getByRole('button', { name: 'Regenerate token' }).click();
    await page.getByTestId('token').filter({ hasNotText: token }).waitFor();
    expect((await call('GET', '')).status).toBe(401);
    token = (await page.getByTestId('token').textContent()) ?? '';
    expect((await call('GET', '')).status).toBe(200);
    await shot('token');
  });

  it('uploads the tutorial catalogue through the wizard: files with progress, column roles, publish', async () => {
    await page.getByRole('button', { name: 'astro ▾' }).click();
    await page.getByRole('link', { name: 'New product' }).click();
    await page.getByLabel('Name').fill('Tutorial spec-z');
    await page.getByLabel('Product type').selectOption('redshift_catalog');
    await page.getByLabel('Description (Markdown)').fill('The *tutorial* catalogue. <script>alert(1)</script>');
    await expectAccessible();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/products\/new\?id=\d+$/);
    productId = Number(new URL(page.url()).searchParams.get('id'));
    await page.getByLabel(/^Main file/).setInputFiles(path.join(TUTORIAL, 'upload_example.csv'));
    await page.getByLabel(/^Auxiliary files/).setInputFiles([
      { name: 'upload_example.html', mimeType: 'text/html', buffer: readFileSync(path.join(TUTORIAL, 'upload_example.html')) },
      { name: 'hostile.html', mimeType: 'text/html', buffer: Buffer.from(HOSTILE_HTML) },
    ]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('.uploads li').filter({ hasText: 'stored' }).nth(2).waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    // Registry runs in the background (REGISTRY_BACKGROUND_BYTES): the wizard shows its progress, then the columns.
    await page.getByTestId('registry-progress').waitFor();
    // Column roles come pre-filled with the server's suggestions (issue 18)...
    await page.locator('td.mono').filter({ hasText: '0.161715' }).waitFor();
    expect(await page.getByLabel('Role of column RA').inputValue()).toBe('RA');
    expect(await page.getByLabel('Role of column DEC').inputValue()).toBe('Dec');
    expect(await page.getByLabel('Role of column Z', { exact: true }).inputValue()).toBe('z');
    await expectAccessible();
    // ...and publishing without z is refused, naming what is missing.
    await page.getByLabel('Role of column Z', { exact: true }).selectOption('');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('wizard-error').filter({ hasText: /\bz\b/ }).waitFor();
    await page.getByLabel('Role of column Z', { exact: true }).selectOption('z');
    await shot('wizard');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(/\/product\/\d+_tutorial_specz$/);
    internalName = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(internalName).toBe(`${productId}_tutorial_specz`);
    await page.getByRole('definition').filter({ hasText: /^Published$/ }).waitFor();
  });

  it('finds a product by type filter, by search and through pages, with the state in the URL', async () => {
    // Enough other products for two pages.
    for (let i = 1; i <= 26; i += 1) {
      expect((await call('POST', 'products/', { display_name: `Training set ${String(i).padStart(2, '0')}`, product_type: 'training_set' })).status).toBe(201);
    }

    await page.goto(`${origin}/products/user`);
    const status = page.getByTestId('list-status');
    await status.filter({ hasText: '27 products' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(25);
    await page.getByText('Page 1 of 2', { exact: true }).waitFor();
    await expectAccessible();
    await shot('products');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/page=2/);
    await page.getByText('Page 2 of 2', { exact: true }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);

    // Sorting by name, ascending then descending.
    await page.getByRole('button', { name: /^Name/ }).click();
    await page.waitForURL(/ordering=display_name/);
    expect(page.url()).not.toContain('page=2');
    await page.locator('th[aria-sort=ascending]').waitFor();
    await page.locator('tbody tr').first().filter({ hasText: 'Training set 01' }).waitFor();
    await page.getByRole('button', { name: /^Name/ }).click();
    await page.waitForURL(/ordering=-display_name/);
    await page.locator('tbody tr').first().filter({ hasText: 'Tutorial spec-z' }).waitFor();

    // Filter by type: the answer is measured from the change to the row on screen.
    const started = Date.now();
    await page.getByLabel('Product type').selectOption('redshift_catalog');
    await status.filter({ hasText: /^1 product$/ }).waitFor();
    const filterMs = Date.now() - started;
    expect(page.url()).toContain('product_type=redshift_catalog');
    await page.getByRole('link', { name: 'Tutorial spec-z' }).waitFor();
    await page.getByLabel('Product type').selectOption('');
    await status.filter({ hasText: '27 products' }).waitFor();

    // Search, then open the same URL afresh: the filtered view is shareable.
    await page.getByLabel('Search').fill('tutorial');
    await page.waitForURL(/search=tutorial/);
    await status.filter({ hasText: /^1 product$/ }).waitFor();
    const shared = page.url();
    await page.goto(shared);
    await status.filter({ hasText: /^1 product$/ }).waitFor();
    expect(await page.getByLabel('Search').inputValue()).toBe('tutorial');
    await page.getByLabel('Search').fill('no such product anywhere');
    await page.getByText('No product matches these filters.').waitFor();
    console.log(`portal: type filter answered on screen in ${filterMs} ms`);
  });

  it('the list and landing pages stay within the JavaScript budget and fit a phone', async () => {
    for (const url of ['/', '/products/user']) {
      const scripts = new Set<string>();
      const listener = (request: { url(): string; resourceType(): string }) => {
        if (request.resourceType() === 'script') scripts.add(request.url());
      };
      const fresh = await context.newPage();
      fresh.on('request', listener);
      await fresh.goto(`${origin}${url}`);
      await fresh.waitForLoadState('networkidle');
      let compressed = 0;
      for (const script of scripts) compressed += gzipSync(Buffer.from(await (await fetch(script)).arrayBuffer())).length;
      console.log(`portal: ${url} loads ${scripts.size} scripts, ${(compressed / 1024).toFixed(1)} KB gzip`);
      expect(compressed).toBeLessThan(BUDGET_BYTES);
      await fresh.setViewportSize({ width: 375, height: 740 });
      await fresh.getByRole('heading', { level: 1 }).waitFor();
      if (url !== '/') await fresh.locator('tbody tr').first().waitFor();
      expect(await fresh.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      if (url !== '/') await shot('products-phone', fresh);
      await fresh.close();
    }
  });

  it('the product page: metadata, description, preview, sandboxed HTML, files, download', async () => {
    await page.goto(`${origin}/product/${internalName}`);
    await page.getByRole('heading', { level: 1, name: 'Tutorial spec-z' }).waitFor();
    await page.getByText(internalName).first().waitFor();
    // The API's sanitised Markdown: emphasis rendered, the script shown as text.
    expect(await page.locator('.description em').textContent()).toBe('tutorial');
    expect(await page.locator('.description script').count()).toBe(0);
    const preview = page.getByTestId('preview');
    await preview.waitFor();
    // The ID column carries the role the server suggested at registry (issue 18).
    expect(await preview.locator('thead th').first().textContent()).toBe('ID\u00a0(ID)');
    expect(await preview.locator('thead').textContent()).toContain('RA\u00a0(RA)');
    expect(await preview.locator('tbody tr').first().locator('td').first().textContent()).toBe('1037374');
    // Files with sizes and sha256.
    const csv = readFileSync(path.join(TUTORIAL, 'upload_example.csv'));
    await page.getByText(createHash('sha256').update(csv).digest('hex')).waitFor();

    // Both HTML files in frames that run no script: no leak request, no change to our page.
    const frames = page.locator('iframe.aux');
    expect(await frames.count()).toBe(2);
    const hostile = page.frameLocator('iframe[title="Auxiliary file hostile.html"]');
    await hostile.locator('#title').waitFor();
    expect(await hostile.locator('#title').textContent()).toBe('Hostile aux');
    const notebook = page.frameLocator('iframe[title="Auxiliary file upload_example.html"]');
    await notebook.locator('body').waitFor();
    await page.waitForTimeout(500);
    expect(requests.filter((url) => url.includes('leak'))).toEqual([]);
    expect(await page.title()).not.toContain('leaked');
    for (const frame of await frames.all()) expect(await frame.getAttribute('sandbox')).toBe('');
    const frameResponse = await fetch(`${origin}${await frames.first().getAttribute('src')}`, { headers: { Authorization: `Token ${token}` } });
    expect(frameResponse.headers.get('content-security-policy')).toMatch(/^sandbox/);
    await expectAccessible();
    await shot('product');

    // Download the zip and look inside.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download (zip)' }).click()]);
    const saved = path.join(dataDir, 'download.zip');
    await download.saveAs(saved);
    const zip = readFileSync(saved);
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    for (const name of ['upload_example.csv', 'upload_example.html', 'product_metadata.yaml']) expect(zip.includes(Buffer.from(name)), name).toBe(true);
    expect(zip.includes(csv)).toBe(true);
  });

  /** A product of `type` whose main file is `file`, registered; answers its internal name. */
  const uploadRegistered = async (name: string, type: string, file: string): Promise<string> => {
    const created = await call('POST', 'products/', { display_name: name, product_type: type });
    expect(created.status).toBe(201);
    const form = new FormData();
    form.append('product', String(created.json.id));
    form.append('role', '0');
    form.append('file', new Blob([readFileSync(file)]), path.basename(file));
    expect((await fetch(`${origin}/api/product-files/`, { method: 'POST', headers: { Authorization: `Token ${token}` }, body: form })).status).toBe(201);
    // Registered in the background (REGISTRY_BACKGROUND_BYTES): 202, then its status until done.
    const started = await call('POST', `products/${created.json.id}/registry/`);
    expect(started.status).toBe(202);
    await expect.poll(async () => (await call('GET', `products/${created.json.id}/registry/status/`)).json.state, { timeout: 60_000, interval: 250 }).toBe('done');
    return created.json.internal_name as string;
  };

  it('plots what a table holds: a HATS catalog\'s partitions on a sky map, a qp ensemble\'s PDFs and point estimates', async () => {
    // Four partitions at two orders; base pixel 4 (order 0 face 4) straddles RA 0/360, drawn on both edges of the map.
    const partitions = [{ order: 1, pixel: 5, rows: 3 }, { order: 1, pixel: 16, rows: 2 }, { order: 2, pixel: 44, rows: 2 }, { order: 2, pixel: 138, rows: 2 }];
    const zip = path.join(dataDir, 'sky.zip');
    writeZip(zip, syntheticCatalog('sky/', partitions));
    const created = await uploadRegistered('Sky map HATS', 'training_set', zip);
    await page.goto(`${origin}/product/${created}`);
    await page.getByRole('heading', { level: 2, name: 'Sky coverage' }).waitFor();
    expect((await page.locator('figure.sky figcaption').textContent())?.replace(/\s+/g, ' ')).toMatch(/4 partitions, about 2149 deg²/);
    const drawn = await page.locator('path.partition').evaluateAll((paths) => paths.map((p) => p.getAttribute('data-partition')));
    // 1/16 lies in base pixel 4, centred on RA 0: cut by the map's edge, drawn on both sides.
    expect(drawn.sort()).toEqual(['1/16a', '1/16b', '1/5', '2/138', '2/44']);
    // No outline is drawn across the map (a partition cut by the edge once spanned its whole width); the map is 720 wide.
    const widths = await page.locator('path.partition').evaluateAll((paths) => paths.map((p) => (p as unknown as { getBBox(): { width: number } }).getBBox().width));
    for (const width of widths) expect(width).toBeLessThan(200);
    await expectAccessible();
    await shot('sky-coverage');

    // The real ELAIS-S1 collection: its margin catalog is listed under the map.
    const collectionZip = path.join(dataDir, 'elaiss1oid.zip');
    writeZip(collectionZip, membersOf(path.join(REPOSITORY, '..', 'shared', 'data', 'hats', 'elaiss1oid_collection'), 'elaiss1oid_collection/'));
    const collection = await uploadRegistered('ELAIS-S1 collection', 'training_set', collectionZip);
    await page.goto(`${origin}/product/${collection}`);
    await page.getByRole('heading', { level: 2, name: 'Sky coverage' }).waitFor();
    expect((await page.getByTestId('hats-catalogs').textContent())?.replace(/\s+/g, ' ')).toContain('margin catalog margin_10arcs (10″ margin, 0 rows, 0 partitions)');

    // A VOTable's units in the preview header, its UCD and description on hover.
    const votable = await uploadRegistered('VOTable units', 'training_set', path.join(REPOSITORY, 'services/tables/fixtures/binary2.vot'));
    await page.goto(`${origin}/product/${votable}`);
    await page.getByTestId('preview').waitFor();
    const ra = page.locator('[data-testid="preview"] th', { hasText: 'RAJ2000' });
    expect(await ra.locator('[data-testid="column-unit"]').textContent()).toBe('[deg]');
    expect(await page.getByRole('columnheader', { name: 'zsp (z)', exact: true }).getAttribute('title')).toBe('float32 · src.redshift · Spectroscopic redshift');
    await expectAccessible();

    // A qp ensemble of histogram PDFs (services/tables fixture, written with h5py): a few PDFs and the distribution of zmean.
    const estimates = await uploadRegistered('qp PDFs', 'photoz_estimates', path.join(REPOSITORY, 'services/tables/fixtures/qp-hist.hdf5'));
    await page.goto(`${origin}/product/${estimates}`);
    await page.getByRole('heading', { level: 2, name: 'Photo-z PDFs' }).waitFor();
    expect(await page.getByTestId('pdf-curve').count()).toBe(5);
    // Every curve is a step histogram over the 30 bins: 60 points.
    const points = await page.getByTestId('pdf-curve').first().evaluate((el) => (el.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length);
    expect(points).toBe(60);
    expect((await page.getByTestId('estimate-bar').count())).toBe(20);
    expect((await page.locator('section[aria-labelledby="pdf-heading"]').textContent())?.replace(/\s+/g, ' ')).toContain('zmean of the first 6 PDFs');
    await expectAccessible();
    await shot('qp-pdfs');
    // The next tests go on from the tutorial product's page.
    await page.goto(`${origin}/product/${internalName}`);
    await page.getByRole('heading', { level: 1, name: 'Tutorial spec-z' }).waitFor();
  });

  it('share links work logged out and stop working when revoked', async () => {
    await page.getByRole('button', { name: 'Create a share link' }).click();
    const url = (await page.getByTestId('share-url').textContent()) ?? '';
    expect(url).toContain('/api/shared/');
    const open = await fetch(url);
    expect(open.status).toBe(200);
    expect(((await open.json()) as { internal_name: string }).internal_name).toBe(internalName);
    await page.getByRole('button', { name: /^Revoke/ }).click();
    await page.getByRole('cell', { name: 'revoked' }).waitFor();
    expect((await fetch(url)).status).toBeGreaterThanOrEqual(400);
  });

  it('the owner edits the product; an admin marks it official', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Name').fill('Tutorial spec-z (edited)');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tutorial spec-z (edited)' }).waitFor();
    expect(await page.getByRole('button', { name: 'Mark as official' }).count()).toBe(0);

    const admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const adminPage = await admin.newPage();
    adminPage.on('pageerror', (error) => consoleErrors.push(`admin: ${error.message}`));
    await adminPage.goto(`${origin}/login?next=/product/${internalName}`);
    await adminPage.getByLabel('Username').fill('coord');
    await adminPage.getByLabel('Password').fill(adminPassword);
    await expectAccessible(adminPage);
    await adminPage.getByRole('button', { name: 'Log in' }).click();
    await adminPage.waitForURL(new RegExp(`/product/${internalName}$`));
    await adminPage.getByRole('button', { name: 'Mark as official' }).click();
    await adminPage.locator('h1 .chip').filter({ hasText: 'official' }).waitFor();
    await adminPage.goto(`${origin}/products/official`);
    await adminPage.getByTestId('list-status').filter({ hasText: /^1 product$/ }).waitFor();
    await adminPage.getByRole('link', { name: 'Tutorial spec-z (edited)' }).waitFor();
    await expectAccessible(adminPage);
    // The coordination view's audit feed has the official flag, by its admin.
    await adminPage.goto(`${origin}/admin/audit?type=ProductMarkedOfficial&product=${productId}`);
    const marked = adminPage.locator('tr[data-event-type="ProductMarkedOfficial"]');
    await marked.first().waitFor();
    expect(await marked.count()).toBe(1);
    expect(await marked.textContent()).toContain('coord');
    // Releases with who may see them, and the accounts.
    await adminPage.getByTestId('coordination-releases').filter({ hasText: 'DP1' }).filter({ hasText: 'public' }).waitFor();
    await adminPage.getByTestId('coordination-users').filter({ hasText: /\d+ accounts/ }).waitFor();
    await expectAccessible(adminPage);
    await admin.close();
  });

  it('my account shows the groups an admin put me in', async () => {
    await page.goto(`${origin}/me/account`);
    await page.getByTestId('no-groups').waitFor();
    await expectAccessible();
    // The admin signs in through the API (session cookie + CSRF echo) and adds astro to a group.
    const login = await fetch(`${origin}/api/auth/login/`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin }, body: JSON.stringify({ username: 'coord', password: adminPassword }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = String(((await login.json()) as Record<string, unknown>).csrf_token);
    const asAdmin = (url: string, body: unknown) => fetch(`${origin}/api/${url}`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie, 'X-CSRFToken': csrf }, body: JSON.stringify(body) });
    expect((await asAdmin('admin/groups/', { name: 'portal-rights', description: 'DP1 data rights' })).status).toBe(201);
    expect((await asAdmin('admin/groups/portal-rights/members/', { user: 'astro' })).status).toBe(201);
    await page.reload();
    await page.getByTestId('my-groups').filter({ hasText: 'portal-rights' }).filter({ hasText: 'added by an admin' }).waitFor();
    await expectAccessible();
  });

  it('pre-fills the roles of the three real survey catalogues in the wizard, as the data README says', async () => {
    const surveys: [string, Record<string, string>][] = [
      ['vvds_final_release_random_sample.parquet', { ID: 'NUM', RA: 'ALPHA', Dec: 'DELTA', z: 'Z', z_flag: 'ZFLAGS' }],
      ['2dflens_final_release_random_sample.parquet', { ID: 'unique_id', RA: 'RA', Dec: 'Dec', z: 'z', z_flag: 'qual' }],
      ['ozdes_dr2_random_sample.parquet', { ID: 'OzDES_ID', RA: 'Alpha_J2000', Dec: 'Delta_J2000', z: 'z', z_flag: 'qop' }],
    ];
    for (const [file, roles] of surveys) {
      await page.goto(`${origin}/products/new`);
      await page.getByLabel('Name').fill(`Survey ${file.split('_')[0] ?? file}`);
      await page.getByLabel('Product type').selectOption('redshift_catalog');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/products\/new\?id=\d+$/);
      await page.getByLabel(/^Main file/).setInputFiles(path.join(REPOSITORY, '..', 'shared', 'data', 'redshift-catalogs', file));
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.locator('.uploads li').filter({ hasText: 'stored' }).first().waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel(`Role of column ${roles.RA}`, { exact: true }).waitFor({ timeout: 60_000 });
      for (const [role, column] of Object.entries(roles)) {
        expect(await page.getByLabel(`Role of column ${column}`, { exact: true }).inputValue(), `${file}: ${column}`).toBe(role);
      }
    }
  });

  it('my products, log out, and no console errors along the way', async () => {
    await page.goto(`${origin}/me/products`);
    await page.getByTestId('list-status').filter({ hasText: '34 products' }).waitFor();
    await page.getByRole('button', { name: 'astro ▾' }).click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in', exact: true }).waitFor();
    await page.goto(`${origin}/products/user`);
    await page.getByText('to browse the data products').waitFor();
    // Chromium logs every refused request; the one refusal provoked on purpose (publishing without z) is expected.
    const provoked = (line: string) => line.includes('status of 406') && line.includes(`/api/products/${productId}/)`);
    expect(consoleErrors.filter((line) => !provoked(line))).toEqual([]);
    expect(consoleErrors.filter(provoked)).toHaveLength(1);
  });
});

