import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');

/** Debian's chromium, as .ci/run installs it; the flags keep it quiet and offline. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

const BUILD_LOCK = path.join(REPOSITORY, 'web', '.build-lock');
/** A lock older than this was left by a killed test run. */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * Builds web/ when its build is missing or stale, as `npm start` does. Browser test files run in
 * parallel: one builds while the others wait on a lock folder, then find the build fresh.
 */
export function ensurePortalBuild(): void {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      const age = Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS || Date.now() > deadline) rmSync(BUILD_LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    const result = spawnSync(process.execPath, [path.join(REPOSITORY, 'web', 'scripts', 'ensure-build.js')], { cwd: REPOSITORY, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`portal build failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/** axe-core on the page as it stands; the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (nonce-only scripts) does not apply.
  const violations = await page.evaluate(`(async () => {
    ${axeSource}
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  })()`);
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
