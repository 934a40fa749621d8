import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { REPOSITORY, ensurePortalBuild, launchChromium, seriousAxeViolations } from './browser';

const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS === '1' ? path.join(REPOSITORY, 'docs', 'screenshots') : null;
const ADMIN_PASSWORD = 'admin passphrase for the history test';
const PASSWORD = 'a long passphrase';

/**
 * The portal's history, time travel, provenance graph and coordination (audit) view in a real
 * browser against the real server process: an owner's edit shows in the history with its diff and
 * "as it was" shows the old name; the lineage shows a declared parent and, for a parent the viewer
 * may no longer see (deleted by its owner), a redacted node; an admin filters the audit feed,
 * exports it as CSV and verifies the ledger; a non-admin is told the page is for admins only.
 */
describe('history, provenance and audit in the portal', () => {
  let server: ApiProcess;
  let dataDir: string;
  let browser: Browser;
  let origin: string;
  const tokens = new Map<string, string>();
  const pageErrors: string[] = [];
  let parent = { id: 0, name: '' };
  let hidden = 0;
  let derived = { id: 0, name: '' };
  let child = { id: 0, name: '' };

  beforeAll(async () => {
    ensurePortalBuild();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-portal-history-'));
    // A checkpoint is signed every few events, so that the admin view has one to show.
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '', LOG_LEVEL: 'warn', LEDGER_CHECKPOINT_EVERY_EVENTS: '5', LEDGER_CHECKPOINT_INTERVAL_S: '1' };
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'services/api/src/cli.ts', 'create-admin', '--username', 'coord', '--password', ADMIN_PASSWORD], { cwd: REPOSITORY, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (cli.status !== 0) throw new Error(`create-admin failed:\n${cli.stdout}\n${cli.stderr}`);
    server = await spawnApiProcess({ env, startupMs: 90_000 });
    await server.ready;
    origin = server.origin;
    browser = await launchChromium();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });

    for (const user of ['alice', 'carol']) {
      const registered = await fetch(`${origin}/api/auth/register/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
      expect(registered.status).toBe(201);
      const login = await fetch(`${origin}/api/auth/login/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
      const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
      const issued = await fetch(`${origin}/api/get_token/`, { method: 'POST', headers: { Cookie: cookies, 'X-CSRFToken': csrf } });
      expect(issued.status).toBe(200);
      tokens.set(user, ((await issued.json()) as { token: string }).token);
    }
    // Y derives from alice's A and carol's X; Z derives from Y; then carol deletes X, which alice may no longer see.
    parent = await product('alice', 'Spec-z parent');
    const x = await product('carol', 'Carol private input');
    hidden = x.id;
    derived = await product('alice', 'Derived results', [parent.id, x.id]);
    child = await product('alice', 'Downstream estimates', [derived.id]);
    expect((await call('carol', 'DELETE', `products/${x.id}/`)).status).toBe(204);
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(user: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${origin}/api/${url}`, {
      method,
      headers: { Authorization: `Token ${tokens.get(user) ?? ''}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function product(user: string, name: string, derivedFrom: number[] = []): Promise<{ id: number; name: string }> {
    const created = await call(user, 'POST', 'products/', { display_name: name, product_type: 'training_set', derived_from: derivedFrom });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    return { id: created.json.id as number, name: created.json.internal_name as string };
  }

  /** A browser page logged in through the portal's login form. */
  async function loggedIn(username: string, password: string, next: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${username} ${page.url()}: ${error.message}`));
    await page.goto(`${origin}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === next.split('?')[0]);
    return page;
  }

  const shot = async (page: Page, name: string) => {
    if (!SCREENSHOTS) return;
    const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
    const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
    await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    await page.setViewportSize(viewport);
  };
  const expectAccessible = async (page: Page) => {
    expect(await seriousAxeViolations(page), page.url()).toEqual([]);
  };

  let alice: Page;

  it('history: an edit shows its diff (old → new) and "view as it was" shows the product with its old name', async () => {
    alice = await loggedIn('alice', PASSWORD, `/product/${derived.name}`);
    await alice.getByRole('heading', { level: 1, name: 'Derived results' }).waitFor();
    await alice.getByRole('button', { name: 'Edit' }).click();
    await alice.getByLabel('Name').fill('Derived results v2');
    await alice.getByRole('button', { name: 'Save' }).click();
    await alice.getByRole('heading', { level: 1, name: 'Derived results v2' }).waitFor();

    // The history reloads with the product's revision: the edit comes first (newest first), with who and what.
    const history = alice.getByTestId('history');
    const edit = history.locator('li[data-event-type="ProductMetadataEdited"]');
    await edit.waitFor();
    expect((await edit.locator('.head').textContent())?.replace(/\s+/g, ' ')).toContain('by alice');
    expect((await edit.locator('.changes').textContent())?.replace(/\s+/g, ' ').trim()).toBe('Name: Derived results → Derived results v2');
    const registered = history.locator('li[data-event-type="ProductRegistered"]');
    expect((await registered.locator('.changes').textContent())?.replace(/\s+/g, ' ')).toContain(`Derived from: #${parent.id}, #${hidden}`);
    expect(await history.locator(':scope > li').first().getAttribute('data-event-type')).toBe('ProductMetadataEdited');
    await expectAccessible(alice);
    await shot(alice, 'product-history');

    // As it was when registered: the old name, read-only, and a way back to now.
    await registered.getByRole('link', { name: /View as it was/ }).click();
    await alice.waitForURL(/\/as-of\?at=/);
    await alice.getByTestId('as-of-banner').filter({ hasText: /as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/ }).waitFor();
    await alice.getByRole('heading', { level: 1, name: 'Derived results', exact: true }).waitFor();
    expect(await alice.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await expectAccessible(alice);
    await shot(alice, 'product-as-of');
    await alice.getByRole('link', { name: 'Back to now' }).click();
    await alice.getByRole('heading', { level: 1, name: 'Derived results v2' }).waitFor();
  });

  it('provenance: the declared parent is a link, the deleted parent a nameless redacted node, the descendant below; PROV-JSON downloads', async () => {
    const graph = alice.getByTestId('provenance-graph');
    await graph.waitFor();
    const nodes = graph.getByTestId('provenance-node');
    expect((await nodes.evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).sort()).toEqual(
      [`product-${parent.id}`, `product-${derived.id}`, `product-${child.id}`, 'redacted-1'].sort(),
    );
    const parentLink = graph.locator(`a[data-node="product-${parent.id}"]`);
    expect(await parentLink.getAttribute('href')).toBe(`/product/${parent.name}`);
    const redacted = graph.locator('[data-node="redacted-1"]');
    expect((await redacted.textContent())?.trim()).toBe('a product you may not see');
    expect(await redacted.evaluate((el) => el.tagName.toLowerCase())).toBe('g');
    // Nothing on the page names carol's deleted product.
    expect(await alice.content()).not.toContain('Carol private input');
    // Layers: parents above the product, the descendant below.
    const top = async (node: string) => Number(await graph.locator(`[data-node="${node}"] rect`).getAttribute('y'));
    expect(await top(`product-${parent.id}`)).toBeLessThan(await top(`product-${derived.id}`));
    expect(await top('redacted-1')).toBe(await top(`product-${parent.id}`));
    expect(await top(`product-${child.id}`)).toBeGreaterThan(await top(`product-${derived.id}`));
    expect(await graph.getByTestId('provenance-edge').count()).toBe(3);
    await expectAccessible(alice);
    await shot(alice, 'product-provenance');

    const [download] = await Promise.all([alice.waitForEvent('download'), alice.getByRole('link', { name: 'Download the lineage as PROV-JSON' }).click()]);
    const saved = path.join(dataDir, 'prov.json');
    await download.saveAs(saved);
    const doc = JSON.parse(readFileSync(saved, 'utf8')) as { entity?: Record<string, unknown> };
    expect(Object.keys(doc.entity ?? {}).length).toBeGreaterThan(0);
    expect(readFileSync(saved, 'utf8')).not.toContain('Carol private input');

    // The parent's page: its descendants below it, the redacted node among them only as a sibling's parent (not shown here).
    await parentLink.click();
    await alice.getByRole('heading', { level: 1, name: 'Spec-z parent' }).waitFor();
    await alice.getByTestId('provenance-graph').locator(`a[data-node="product-${derived.id}"]`).waitFor();
  });

  it('coordination view: admins filter the audit feed by event type, export CSV and verify the ledger; others are told it is for admins', async () => {
    // Not for alice: no menu entry, and the page says why.
    await alice.getByRole('button', { name: /^alice/ }).click();
    expect(await alice.getByRole('link', { name: 'Audit and ledger' }).count()).toBe(0);
    await alice.goto(`${origin}/admin/audit`);
    await alice.getByTestId('admins-only').waitFor();
    expect(await (await fetch(`${origin}/api/admin/audit/`, { headers: { Authorization: `Token ${tokens.get('alice') ?? ''}` } })).status).toBe(403);
    await expectAccessible(alice);

    // A checkpoint is signed every few events (LEDGER_CHECKPOINT_EVERY_EVENTS).
    await expect.poll(async () => (await fetch(`${origin}/api/ledger/checkpoints/latest/`)).status, { timeout: 30_000, interval: 500 }).toBe(200);

    const admin = await loggedIn('coord', ADMIN_PASSWORD, `/product/${derived.name}`);
    await admin.getByRole('button', { name: /^coord/ }).click();
    await admin.getByRole('link', { name: 'Audit and ledger' }).click();
    await admin.waitForURL(/\/admin\/audit$/);
    const table = admin.getByTestId('audit');
    await table.waitFor();
    expect(await table.locator('tbody tr[data-event-type="UserRegistered"]').count()).toBeGreaterThanOrEqual(2);

    await admin.getByLabel('Event types').fill('ProductDeleted');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/type=ProductDeleted/);
    await admin.getByTestId('audit-status').filter({ hasText: /^1 event shown$/ }).waitFor();
    const row = table.locator('tbody tr');
    expect(await row.getAttribute('data-event-type')).toBe('ProductDeleted');
    expect((await row.textContent())?.replace(/\s+/g, ' ')).toContain('carol');
    expect(await row.locator('td').nth(3).textContent()).toBe(String(hidden));

    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('link', { name: 'CSV' }).click()]);
    const saved = path.join(dataDir, 'audit.csv');
    await download.saveAs(saved);
    const lines = readFileSync(saved, 'utf8').trim().split(/\r\n/);
    expect(lines[0]).toBe('position,event_id,recorded_at,type,stream,revision,product_id,actor_kind,actor_user_id,actor_username,client,data');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',ProductDeleted,');
    expect(lines[1]).toContain(',carol,');
    expect(await admin.getByRole('link', { name: 'JSON lines' }).getAttribute('href')).toBe('/api/admin/audit/?type=ProductDeleted&format=jsonl');

    // Filters combine: alice's events about the derived product.
    await admin.getByLabel('Event types').fill('');
    await admin.getByLabel('Actor').fill('alice');
    await admin.getByLabel('Product id').fill(String(derived.id));
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/actor=alice/);
    await admin.getByTestId('audit-status').filter({ hasText: /^2 events shown$/ }).waitFor();
    expect((await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-type'))))).toEqual(['ProductRegistered', 'ProductMetadataEdited']);

    // Cursor paging: five events a page, the next five after the cursor.
    await admin.getByRole('button', { name: 'Clear' }).click();
    await admin.goto(`${origin}/admin/audit?limit=5`);
    await admin.getByTestId('audit-status').filter({ hasText: /^5 events shown, more after$/ }).waitFor();
    const firstFive = await table.locator('tbody tr td:first-child .mono').allTextContents();
    await admin.getByRole('button', { name: 'Load more (the next 5 events)' }).click();
    await admin.getByTestId('audit-status').filter({ hasText: /^10 events shown/ }).waitFor();
    const positions = await table.locator('tbody tr td:first-child .mono').allTextContents();
    expect(positions.slice(0, 5)).toEqual(firstFive);
    expect(new Set(positions).size).toBe(10);

    // The ledger: the latest signed checkpoint, and a verification of the whole log.
    const checkpoint = admin.getByTestId('checkpoint');
    await checkpoint.waitFor();
    expect(await checkpoint.textContent()).toMatch(/[0-9a-f]{64}/);
    await admin.getByRole('button', { name: 'Verify the ledger' }).click();
    await admin.getByTestId('verify-result').filter({ hasText: 'The ledger is intact' }).waitFor({ timeout: 30_000 });
    expect(await admin.getByTestId('verify-result').textContent()).toContain('signature valid');
    await expectAccessible(admin);
    await shot(admin, 'admin-audit');
    expect(pageErrors).toEqual([]);
  });
});
