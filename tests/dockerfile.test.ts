import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The Dockerfile cannot be built here (no Docker engine on the development machines); this checks
 * what can be checked without one: it matches docker-compose.yml and the workspaces, installs
 * production dependencies only, and runs unprivileged with a health check.
 */
const root = path.resolve(import.meta.dirname, '..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[]; dependencies?: Record<string, string>; scripts: Record<string, string>; engines: { node: string } };
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: { app: { build: string; command: string[]; environment: Record<string, string>; ports?: string[]; deploy?: { replicas?: number } }; proxy: { ports: string[] } } };
const proxyConf = readFileSync(path.join(root, 'deploy', 'proxy.conf'), 'utf8');

describe('Dockerfile', () => {
  it('is multi-stage, installs production dependencies only, and runs as a non-root user with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^USER (?!root\b)\w+/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*CMD /m);
  });

  it('uses the Node major the package asks for', () => {
    const major = /(\d+)/.exec(rootPackage.engines.node)?.[1];
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${major}[-.]`, 'm'));
  });

  it('copies every workspace\'s package.json before npm ci (a missing one would leave its dependencies out)', () => {
    const install = dockerfile.indexOf('RUN npm ci');
    for (const workspace of rootPackage.workspaces) {
      const copy = dockerfile.indexOf(`COPY ${workspace}/package.json ${workspace}/`);
      expect(copy, workspace).toBeGreaterThan(-1);
      expect(copy, workspace).toBeLessThan(install);
    }
  });

  it('can run `npm start` without dev dependencies: its runner is a production dependency', () => {
    const runner = rootPackage.scripts.start?.split(' ')[0] ?? '';
    expect(runner).toBe('tsx');
    expect(rootPackage.dependencies).toHaveProperty(runner);
  });

  it('matches docker-compose.yml: built from ., started with npm start, replicated behind the proxy, which forwards to the port the app listens on', () => {
    const app = compose.services.app;
    expect(app.build).toBe('.');
    expect(app.command).toEqual(['npm', 'start']);
    expect(dockerfile).toMatch(/^CMD \["npm", "start"\]/m);
    const port = app.environment.PORT;
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(app.environment.HOST).toBe('0.0.0.0');
    // Replicas cannot share a host port: only the proxy publishes one, and it forwards to the app's.
    expect(app.deploy?.replicas).toBeGreaterThan(1);
    expect(app.ports).toBeUndefined();
    expect(compose.services.proxy.ports).toContain(`${port}:${port}`);
    expect(proxyConf).toContain(`app:${port}`);
  });

  it('keeps installed modules and local data out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'data', '.git']));
  });
});
