import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import { signUpOverHttp } from '@pz/api/sign-up-over-http';
import { clientBackends } from './client-backends';

/**
 * The real `pzserver` client's pipeline methods, unchanged, against the real server as `npm start`
 * runs it (pipelines run by its in-process worker), on PGlite and, with DATABASE_URL, PostgreSQL.
 * pipelines.py prints one `@@ {json}` line per step; each `it` asserts on one.
 */

const root = path.resolve(import.meta.dirname, '..', '..');
const PYTHON = path.resolve(root, '..', 'shared', 'clients', 'pzserver', 'python.sh');
const SCRIPT = path.join(import.meta.dirname, 'pipelines.py');
const DATA = path.resolve(root, '..', 'shared', 'data');

type Json = Record<string, unknown>;

for (const backend of clientBackends('t_client_pipelines')) {
  describe(`the real pzserver client's pipelines (${backend.name})`, () => {
    let server: ApiProcess;
    let dataDir: string;
    let workDir: string;
    const steps = new Map<string, Json>();
    let output = '';

    const step = (name: string): Json => {
      const result = steps.get(name);
      if (!result) throw new Error(`pipelines.py printed no result for "${name}":\n${output.slice(-5000)}`);
      if (result.error) throw new Error(`${name} raised ${String(result.error)}\n${String(result.trace)}\n${String(result.printed)}`);
      return result;
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-client-pipelines-'));
      workDir = mkdtempSync(path.join(os.tmpdir(), 'pz-client-pipelines-work-'));
      // Runs hold 1 s once started, so that the stop step finds its run still going.
      server = await spawnApiProcess({ env: { DATA_DIR: dataDir, EVENTSTORE_URL: '', LOG_LEVEL: 'warn', PIPELINE_START_DELAY_MS: '1000', ...backend.env }, startupMs: 120_000 });
      await server.ready;
      const token = await signUpOverHttp(server.origin, 'notebook');
      const child = spawn(PYTHON, [SCRIPT], { cwd: root, env: { ...process.env, PZ_HOST: `${server.origin}/api/`, PZ_TOKEN: token, PZ_WORK: workDir, PZ_DATA: DATA }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      await new Promise((resolve) => child.once('exit', resolve));
      for (const line of output.split('\n')) {
        if (!line.startsWith('@@ ')) continue;
        const parsed = JSON.parse(line.slice(3)) as Json;
        steps.set(String(parsed.step), parsed);
      }
    }, 400_000);

    afterAll(async () => {
      await server?.stop();
      await backend.drop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
    });

    it('combine_redshift_catalogs: append_catalog, set_config, summary, run, check_status, output, then get_product of the output', () => {
      const ids = step('upload_catalogs') as { vvds: number; ozdes: number };
      const crc = step('combine_redshift_catalogs');
      expect(crc).toMatchObject({ pipeline: 'combine_redshift_dedup', display_name: 'Combine Redshift Catalogs', inputs: [ids.vvds, ids.ozdes], before: 'The process has not been started', status: 'Successful' });
      expect(crc.default_config).toMatchObject({ combine_type: 'concatenate_and_mark_duplicates', flags_translation_file: 'flags_translation.yaml' });
      expect((crc.started as Json).status).toMatch(/Pending|Running/);
      expect(crc.output).toMatchObject({ id: expect.any(Number), display_name: 'Combined by the client', internal_name: expect.stringMatching(/_combined_by_the_client$/) });
      expect(crc.rows).toBeGreaterThan(0);
      expect(crc.rows).toBeLessThanOrEqual(2000);
      expect(crc.columns).toEqual(expect.arrayContaining(['id', 'ra', 'dec', 'z', 'z_flag_homogenized', 'tie_result']));
      expect(crc.metadata).toMatchObject({ status: 1, origin: 'combine_redshift_dedup', derived_from: [ids.vvds, ids.ozdes] });
      expect(String(crc.printed)).toContain("Configuration: {'combine_type': 'concatenate_and_remove_duplicates'");
    });

    it('set_flags_translation sends the file (multipart) and the run uses it', () => {
      const run = step('combine_with_flags_file');
      expect(run.status).toBe('Successful');
      expect(run.main_file).toMatchObject({ name: 'Combined_with_my_flags.parquet' });
      expect(String(run.printed)).toContain('Uploading flags translation file.');
    });

    it('training_set_maker: set_release, set_redshift, set_config, run, output, then get_product of the training set', () => {
      const tsm = step('training_set_maker');
      expect(tsm).toMatchObject({ status: 'Successful', rows: 10, reference_rows: 10, release: { name: 'DP1' } });
      expect(tsm.columns).toEqual(expect.arrayContaining(['objectId', 'mag_g', 'magerr_g', 'mag_r', 'z', 'separation_arcsec']));
      expect(tsm.metadata).toMatchObject({ status: 1, origin: 'training_set_maker', product_type_internal_name: 'training_set' });
    });

    it('stop: the run ends Stopped', () => {
      expect(step('stop')).toMatchObject({ status: 'Stopped', stopped: { status: 'Stopped' } });
    });
  });
}
