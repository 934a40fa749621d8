import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamName } from '@pz/contracts';
import { membersOf, writeZip } from '@pz/tables/hats/hats-fixtures';
import { readTableColumns } from '@pz/pipelines/catalog-io/read-table-columns';
import { testBackends } from '@pz/database/testing';
import { httpClient, sharedData, type Json } from '../registry/testing';
import { processEnded, publishedProduct } from '../pipelines/testing';
import { startTestServer, type TestServer } from '../testing';

const catalog = (name: string) => sharedData('redshift-catalogs', name);
const VVDS = { file: catalog('vvds_final_release_random_sample.parquet'), roles: { NUM: 'ID', ALPHA: 'RA', DELTA: 'Dec', Z: 'z', ZFLAGS: 'z_flag', survey_name: 'survey' } };
const TWODF = { file: catalog('2dflens_final_release_random_sample.parquet'), roles: { unique_id: 'ID', RA: 'RA', Dec: 'Dec', z: 'z', qual: 'z_flag', survey_name: 'survey' } };

/** A multipart body: fields (repeated when a list), then the flag translation file. */
function form(fields: Record<string, string | string[]>, file: { name: string; content: Buffer } | null) {
  const boundary = '----pz-pipelines-test';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`));
  }
  if (file) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="flags_translation_file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), file.content, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

for (const backend of testBackends()) {
  describe(`pipelines and processes (${backend.name})`, () => {
    let server: TestServer;
    let call: ReturnType<typeof httpClient>;
    let alice: { auth: string; userId: number };
    let bob: { auth: string; userId: number };
    let vvds: number;
    let twodf: number;

    beforeAll(async () => {
      // Each run waits 300 ms once started: long enough to see its output at status 3 and to stop it.
      server = await startTestServer(backend, { PIPELINE_START_DELAY_MS: '300', PIPELINE_LEASE_MS: '5000' });
      call = httpClient(server);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      vvds = await publishedProduct(server, alice, { ...VVDS, type: 'redshift_catalog', name: 'VVDS sample' });
      twodf = await publishedProduct(server, alice, { ...TWODF, type: 'redshift_catalog', name: '2dFLenS sample' });
    }, 240_000);
    afterAll(async () => server?.stop());

    it('lists the pipelines with their parameters and defaults, filtered by name as the client asks', async () => {
      const all = await call('GET', '/api/pipelines/', alice.auth);
      expect(all.body.count).toBe(2);
      const crc = await call('GET', '/api/pipelines/?name=combine_redshift_dedup', alice.auth);
      expect(crc.body.count).toBe(1);
      const pipeline = (crc.body.results as Json[])[0] as Json;
      expect(pipeline).toMatchObject({ name: 'combine_redshift_dedup', display_name: 'Combine Redshift Catalogs', product_types_accepted: [1], output_product_type: 1 });
      expect((pipeline.system_config as Json).param).toMatchObject({ combine_type: 'concatenate_and_mark_duplicates', crossmatch: { radius_arcsec: 1 } });
      expect((await call('GET', '/api/pipelines/?name=combine_redshift', alice.auth)).body.count).toBe(0);
      expect((await call('GET', `/api/pipelines/${String(pipeline.id)}/`, alice.auth)).body).toEqual(pipeline);
      expect((await call('GET', '/api/pipelines/99/', alice.auth)).status).toBe(404);
      expect((await call('GET', '/api/pipelines/', null)).status).toBe(401);
    });

    it('runs Combine Redshift Catalogs: output at once with status 3, then published, derived from its inputs, with progress and events', async () => {
      const started = await call('POST', '/api/processes/', bob.auth, {
        display_name: 'Combined VVDS and 2dFLenS', pipeline: 1, inputs: [vvds, twodf],
        used_config: JSON.stringify({ param: { combine_type: 'concatenate_and_mark_duplicates', crossmatch: { radius_arcsec: 1.0 } } }),
      });
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ pipeline: 1, inputs: [vvds, twodf], is_owner: true });
      expect(['Pending', 'Running']).toContain(started.body.status);
      const output = started.body.upload as number;
      const early = await call('GET', `/api/products/${output}/`, bob.auth);
      expect(early.body).toMatchObject({ status: 3, origin: 'combine_redshift_dedup', derived_from: [vvds, twodf], process_id: String(started.body.id) });

      const ended = await processEnded(server, bob.auth, started.body.id as number);
      expect(ended).toMatchObject({ status: 'Successful', upload: output, error: null, attempts: 1 });
      expect(ended.progress).toMatchObject({ fraction: 1, rows_read: 2000, stage: 'write' });
      expect(typeof (ended.progress as Json).pairs_found).toBe('number');
      expect(ended.started_at).not.toBeNull();
      expect(ended.ended_at).not.toBeNull();
      // The run's log, from its events: requested, started, each stage, how it ended.
      const log = (ended.log as Json[]).map((l) => String(l.message));
      expect(log[0]).toMatch(/^requested: combine_redshift_dedup 1\.0\.0 on 2 inputs/);
      expect(log).toEqual(expect.arrayContaining([expect.stringMatching(/^started on /), 'stage read ended: read 2000 rows', expect.stringMatching(/^stage crossmatch ended: crossmatched 2000 rows: \d+ pairs found$/)]));
      expect(log.at(-1)).toMatch(/^succeeded: 2000 rows written to Combined_VVDS_and_2dFLenS\.parquet \(parquet\), product \d+$/);

      const product = await call('GET', `/api/products/${output}/`, bob.auth);
      expect(product.body).toMatchObject({ status: 1, product_type_internal_name: 'redshift_catalog', derived_from: [vvds, twodf] });
      const preview = await call('GET', `/api/products/${output}/read_data/?page_size=5`, bob.auth);
      expect(preview.status).toBe(200);
      expect(preview.body.count).toBe(2000);
      expect(Object.keys((preview.body.results as Json[])[0] ?? {})).toEqual(expect.arrayContaining(['ra', 'dec', 'z', 'z_flag_homogenized', 'tie_result', 'source']));
      const columns = await call('GET', `/api/product-contents/?product=${output}&page_size=100`, bob.auth);
      const aliases = Object.fromEntries((columns.body.results as Json[]).filter((c) => c.alias !== null).map((c) => [c.alias, c.column_name]));
      expect(aliases).toMatchObject({ RA: 'ra', Dec: 'dec', z: 'z', ID: 'id', survey: 'survey', z_flag: 'z_flag' });

      // The ledger: the run as an activity that used the inputs and generated the output.
      const events = await server.deps.store.readStream(streamName('run', started.body.id as number));
      expect(events.map((e) => e.type)).toEqual(['PipelineRunRequested', 'PipelineRunStarted', 'PipelineRunProgressed', 'PipelineRunProgressed', 'PipelineRunProgressed', 'PipelineRunSucceeded']);
      expect(events[0]?.data).toMatchObject({ pipeline: 'combine_redshift_dedup', pipelineVersion: '1.0.0', inputs: [vvds, twodf], outputProductId: output, ownerId: bob.userId, usedConfig: { param: { combine_type: 'concatenate_and_mark_duplicates', flags_translation_file: 'flags_translation.yaml' } } });
      expect(events[5]?.data).toMatchObject({ generatedProductId: output, inputs: [vvds, twodf], pipeline: 'combine_redshift_dedup', output: { rows: 2000, format: 'parquet' } });

      const config = await call('GET', `/api/products/${output}/process_config/`, alice.auth);
      expect(config.body).toMatchObject({ pipeline: 'combine_redshift_dedup', flags_translation: { name: 'flags_translation.yaml', attached_to_run: false } });
      expect(String((config.body.flags_translation as Json).content)).toContain('translation_rules');
      expect((await call('GET', `/api/products/${vvds}/process_config/`, alice.auth)).body).toEqual({});

      // The run is the output's generating activity in its provenance: it used both inputs.
      const lineage = await call('GET', `/api/products/${output}/provenance/?direction=ancestors`, alice.auth);
      expect(lineage.status).toBe(200);
      const runs = lineage.body.runs as Json[];
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ pipeline: 'combine_redshift_dedup', status: 'succeeded', generated: `product-${output}` });
      expect([...(runs[0]?.used as string[])].sort()).toEqual([`product-${vvds}`, `product-${twodf}`].sort());
      const viaRun = (lineage.body.edges as Json[]).filter((e) => e.via === 'run' && e.run_id === runs[0]?.run_id).map((e) => e.to);
      expect(viaRun.sort()).toEqual([`product-${vvds}`, `product-${twodf}`].sort());
    });

    it('writes the output as FITS when asked: registered, previewed with its roles, downloadable', async () => {
      const started = await call('POST', '/api/processes/', alice.auth, {
        display_name: 'Combined as FITS', pipeline: 1, inputs: [vvds, twodf],
        used_config: JSON.stringify({ param: { combine_type: 'concatenate_and_mark_duplicates', output_format: 'FITS' } }),
      });
      expect(started.status).toBe(201);
      const ended = await processEnded(server, alice.auth, started.body.id as number);
      expect(ended.status).toBe('Successful');
      const output = started.body.upload as number;
      const files = await call('GET', `/api/product-files/?product_id=${output}`, alice.auth);
      const main = (files.body.results as Json[]).find((f) => f.role === 0);
      expect(main).toMatchObject({ name: 'Combined_as_FITS.fits', extension: '.fits', n_rows: 2000 });
      const preview = await call('GET', `/api/products/${output}/read_data/?page_size=3`, alice.auth);
      expect(preview.body.count).toBe(2000);
      expect(Object.keys((preview.body.results as Json[])[0] ?? {})).toEqual(expect.arrayContaining(['id', 'ra', 'dec', 'z', 'z_flag_homogenized', 'tie_result', 'source']));
      const columns = await call('GET', `/api/product-contents/?product=${output}&page_size=100`, alice.auth);
      const aliases = Object.fromEntries((columns.body.results as Json[]).filter((c) => c.alias !== null).map((c) => [c.alias, c.column_name]));
      expect(aliases).toMatchObject({ RA: 'ra', Dec: 'dec', z: 'z' });
      const download = await server.app.inject({ method: 'GET', url: `/api/products/${output}/download_main_file/`, headers: { authorization: alice.auth } });
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.subarray(0, 30).toString('latin1')).toMatch(/^SIMPLE {2}= {20}T/);
      const events = await server.deps.store.readStream(streamName('run', started.body.id as number));
      expect(events.at(-1)?.data).toMatchObject({ output: { format: 'fits', name: 'Combined_as_FITS.fits', rows: 2000 } });
    });

    it('takes a flag translation file attached as multipart, as the client sends it, and removes duplicates', async () => {
      const yaml = readFileSync(catalog('flags_translation.yaml'));
      const body = form({ display_name: 'Deduplicated', pipeline: '1', inputs: [String(vvds), String(twodf)], used_config: JSON.stringify({ param: { combine_type: 'concatenate_and_remove_duplicates', flags_translation_file: '/home/me/my_flags.yaml', z_flag_homogenized_value_to_cut: 3 } }) }, { name: 'my_flags.yaml', content: yaml });
      const response = await server.app.inject({ method: 'POST', url: '/api/processes/', headers: { authorization: alice.auth, ...body.headers }, payload: body.payload });
      expect(response.statusCode).toBe(201);
      const started = JSON.parse(response.body) as Json;
      const ended = await processEnded(server, alice.auth, started.id as number);
      expect(ended.status).toBe('Successful');
      const config = await call('GET', `/api/products/${String(started.upload)}/process_config/`, alice.auth);
      expect(config.body.flags_translation).toMatchObject({ name: 'my_flags.yaml', attached_to_run: true });
      const files = await call('GET', `/api/product-files/?product_id=${String(started.upload)}`, alice.auth);
      expect((files.body.results as Json[]).map((f) => f.role).sort()).toEqual([0, 2]);
      const rows = await call('GET', `/api/products/${String(started.upload)}/read_data/?page_size=1000`, alice.auth);
      const count = rows.body.count as number;
      expect(count).toBeLessThan(2000);
      expect(count).toBeGreaterThan(0);
      for (const row of rows.body.results as Json[]) {
        expect(Number(row.z_flag_homogenized)).toBeGreaterThanOrEqual(3);
        expect([1, 2]).toContain(row.tie_result);
      }
    });

    it('refuses what it cannot run, before anything is recorded', async () => {
      const post = (auth: string, body: Json) => call('POST', '/api/processes/', auth, body);
      const base = { display_name: 'Refused', pipeline: 1, used_config: '{"param": {}}' };
      expect((await post(alice.auth, { ...base, inputs: [vvds] })).body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'inputs' });
      expect((await post(alice.auth, { ...base, pipeline: 7, inputs: [vvds, twodf] })).body).toMatchObject({ field: 'pipeline' });
      expect((await post(alice.auth, { ...base, inputs: [vvds, twodf], used_config: '{"param": {"combine_type": "merge"}}' })).body).toMatchObject({ field: 'used_config.param.combine_type' });
      expect((await post(alice.auth, { ...base, inputs: [vvds, twodf], used_config: '{"param": {"output_format": "votable"}}' })).body).toMatchObject({ field: 'used_config.param.output_format' });
      // A product nobody may see (deleted by its owner) is not found, whoever asks to read it.
      const gone = await publishedProduct(server, alice, { ...VVDS, type: 'redshift_catalog', name: 'Soon deleted' });
      expect((await call('DELETE', `/api/products/${gone}/`, alice.auth)).status).toBe(204);
      expect((await post(bob.auth, { ...base, inputs: [vvds, gone] })).status).toBe(404);
      // Not published yet.
      const draft = await call('POST', '/api/products/', alice.auth, { display_name: 'Draft', product_type: 'redshift_catalog' });
      expect((await post(alice.auth, { ...base, inputs: [vvds, draft.body.id as number] })).body).toMatchObject({ field: 'inputs' });
      expect((await post(alice.auth, { ...base, inputs: 'x' })).status).toBe(400);
      expect((await call('POST', '/api/processes/', null, { ...base, inputs: [vvds, twodf] })).status).toBe(401);
    });

    it('runs the Training Set Maker: the release\'s object catalog cross-matched with a reference catalog, magnitudes carried', async () => {
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'pz-tsm-'));
      try {
        // Known matches: every third object has a reference 0.4″ away; the others none within 1″.
        const step = 1 / 3600;
        const objects = Array.from({ length: 30 }, (_, i) => ({ id: 1000 + i, ra: 150 + i * 0.01, dec: 2 }));
        const objectsFile = path.join(scratch, 'objects.csv');
        // g_cModelFlux is one of DP1's fluxes (nJy): the training set gets its AB magnitude too.
        writeFileSync(objectsFile, `objectId,coord_ra,coord_dec,mag_g,magerr_g,mag_i,g_cModelFlux\n${objects.map((o, i) => `${o.id},${o.ra},${o.dec},${21 + i / 10},0.02,${20 + i / 10},3631`).join('\n')}\n`);
        const refsFile = path.join(scratch, 'references.csv');
        const matched = objects.filter((_, i) => i % 3 === 0);
        writeFileSync(refsFile, `ID,RA,DEC,Z,ERR\n${[...matched.map((o, i) => `s${i},${o.ra},${o.dec + 0.4 * step},${0.1 + i / 100},0.001`), 's99,200,-40,0.9,0.01'].join('\n')}\n`);
        await publishedProduct(server, alice, { file: objectsFile, type: 'object_catalog', name: 'DP1 objects', release: 'DP1', roles: { objectId: 'ID', coord_ra: 'RA', coord_dec: 'Dec' } });
        const refs = await publishedProduct(server, alice, { file: refsFile, type: 'redshift_catalog', name: 'Spec-z for TSM', roles: { ID: 'ID', RA: 'RA', DEC: 'Dec', Z: 'z', ERR: 'z_err' } });
        const tsm = await call('GET', '/api/pipelines/?name=training_set_maker', bob.auth);
        const pipeline = (tsm.body.results as Json[])[0] as Json;
        const started = await call('POST', '/api/processes/', bob.auth, {
          display_name: 'My training set', pipeline: pipeline.id as number, release: 1, inputs: [refs],
          used_config: JSON.stringify({ param: { crossmatch: { radius_arcsec: 1, n_neighbors: 1 }, duplicate_criteria: 'closest', output_format: 'hdf5' } }),
        });
        expect(started.status).toBe(201);
        const ended = await processEnded(server, bob.auth, started.body.id as number);
        expect(ended).toMatchObject({ status: 'Successful', release: 1, release_name: 'DP1' });
        const output = await call('GET', `/api/products/${String(started.body.upload)}/`, bob.auth);
        expect(output.body).toMatchObject({ status: 1, product_type_internal_name: 'training_set', release_name: 'LSST DP1' });
        expect((output.body.derived_from as number[]).length).toBe(2);
        // Written as HDF5 (a group of column datasets), read back by the server's own reader.
        const files = await call('GET', `/api/product-files/?product_id=${String(started.body.upload)}`, bob.auth);
        expect((files.body.results as Json[]).find((f) => f.role === 0)).toMatchObject({ name: 'My_training_set.hdf5', n_rows: matched.length });
        const download = await server.app.inject({ method: 'GET', url: `/api/products/${String(started.body.upload)}/download_main_file/`, headers: { authorization: bob.auth } });
        expect(download.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
        const rows = await call('GET', `/api/products/${String(started.body.upload)}/read_data/?page_size=100`, bob.auth);
        expect(rows.body.count).toBe(matched.length);
        const results = rows.body.results as Json[];
        expect(results.map((r) => Number(r.objectId)).sort()).toEqual(matched.map((o) => o.id).sort());
        for (const row of results) {
          expect(Number(row.separation_arcsec)).toBeCloseTo(0.4, 3);
          expect(row).toMatchObject({ magerr_g: 0.02, z_err: 0.001 });
          expect(typeof row.mag_g).toBe('number');
          expect(Number(row.g_cModelFlux_mag)).toBeCloseTo(22.5, 3);
        }
        // A release without an object catalog is refused before anything is recorded.
        const refused = await call('POST', '/api/processes/', bob.auth, { display_name: 'No objects', pipeline: pipeline.id as number, release: 'NOPE', inputs: [refs], used_config: '{"param": {}}' });
        expect(refused.body).toMatchObject({ field: 'release' });
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    it('runs the Training Set Maker on a HATS object catalog: the real ELAIS-S1 collection, zipped as uploaded, every partition read', async () => {
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'pz-tsm-hats-'));
      try {
        const collection = sharedData('hats', 'elaiss1oid_collection');
        const zip = path.join(scratch, 'elaiss1.zip');
        writeZip(zip, membersOf(collection, 'elaiss1oid_collection/'));
        // The newest object catalog of DP1 (the earlier test's is older): the run reads this one.
        await publishedProduct(server, alice, { file: zip, type: 'object_catalog', name: 'ELAIS-S1 HATS', release: 'DP1', roles: { RAdeg: 'RA', DEdeg: 'Dec' } });
        // References 0.5″ from three objects, positions read from the partition file itself.
        const partition = path.join(collection, 'catalog/dataset/Norder=2/Dir=0/Npix=138.parquet');
        const read = await readTableColumns(partition, ['XMMES1', 'RAdeg', 'DEdeg']);
        if (!read.ok) throw new Error(read.error.message);
        const column = (name: string) => read.value.columns.get(name) ?? [];
        const chosen = [0, 200, 477].map((i) => ({ XMMES1: column('XMMES1')[i], RAdeg: Number(column('RAdeg')[i]), DEdeg: Number(column('DEdeg')[i]) }));
        const refsFile = path.join(scratch, 'elais-refs.csv');
        writeFileSync(refsFile, `ID,RA,DEC,Z\n${chosen.map((o, i) => `e${String(o.XMMES1)},${o.RAdeg},${o.DEdeg + 0.5 / 3600},${0.2 + i / 10}`).join('\n')}\n`);
        const refs = await publishedProduct(server, alice, { file: refsFile, type: 'redshift_catalog', name: 'Spec-z near ELAIS-S1', roles: { ID: 'ID', RA: 'RA', DEC: 'Dec', Z: 'z' } });
        const started = await call('POST', '/api/processes/', alice.auth, {
          display_name: 'ELAIS-S1 training set', pipeline: 'training_set_maker', release: 'DP1', inputs: [refs],
          used_config: JSON.stringify({ param: { crossmatch: { radius_arcsec: 1, n_neighbors: 1 } } }),
        });
        expect(started.status).toBe(201);
        const ended = await processEnded(server, alice.auth, started.body.id as number);
        expect(ended.status).toBe('Successful');
        const rows = await call('GET', `/api/products/${String(started.body.upload)}/read_data/?page_size=10`, alice.auth);
        expect(rows.body.count).toBe(chosen.length);
        expect((rows.body.results as Json[]).map((r) => String(r.ref_id)).sort()).toEqual(chosen.map((o) => `e${String(o.XMMES1)}`).sort());
        for (const row of rows.body.results as Json[]) expect(String(row.ref_id)).toBe(`e${String(row.XMMES1)}`);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    it("lists the caller's processes (an admin's: everyone's), filtered by status and pipeline; the product list shows each output's process_status", async () => {
      const admin = await server.createUser('processes-admin', { admin: true });
      const mine = await call('GET', '/api/processes/', bob.auth);
      expect(mine.status).toBe(200);
      const bobs = mine.body.results as Json[];
      expect(mine.body.count).toBe(bobs.length);
      expect(bobs.length).toBeGreaterThanOrEqual(2);
      expect(bobs.every((p) => p.owned_by === 'bob' && p.is_owner === true)).toBe(true);
      // Newest first.
      const ids = bobs.map((p) => p.id as number);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const alices = (await call('GET', '/api/processes/?page_size=1000', alice.auth)).body.results as Json[];
      expect(alices.every((p) => p.owned_by === 'alice')).toBe(true);
      const everyone = await call('GET', '/api/processes/?page_size=1000', admin.auth);
      expect(everyone.body.count).toBe(bobs.length + alices.length);
      const paged = await call('GET', '/api/processes/?page_size=1&page=2', admin.auth);
      expect((paged.body.results as Json[]).map((p) => p.id)).toEqual([(everyone.body.results as Json[])[1]?.id]);
      const tsm = (await call('GET', '/api/processes/?pipeline=training_set_maker', bob.auth)).body.results as Json[];
      expect(tsm.length).toBeGreaterThan(0);
      expect(tsm.every((p) => p.pipeline_name === 'training_set_maker')).toBe(true);
      expect((await call('GET', '/api/processes/?pipeline=2', bob.auth)).body.count).toBe(tsm.length);
      const succeeded = (await call('GET', '/api/processes/?status=Successful,Stopped&page_size=1000', admin.auth)).body.results as Json[];
      expect(succeeded.length).toBeGreaterThan(0);
      expect(succeeded.every((p) => p.status === 'Successful' || p.status === 'Stopped')).toBe(true);
      expect((await call('GET', '/api/processes/?status=Done', bob.auth)).body).toMatchObject({ field: 'status' });
      expect((await call('GET', '/api/processes/?pipeline=nope', bob.auth)).body).toMatchObject({ field: 'pipeline' });
      expect((await call('GET', '/api/processes/', null)).status).toBe(401);

      // process_status: the run's status on its output product, in the list and the product itself; null for an upload.
      const listed = (await call('GET', '/api/products/?page_size=1000', admin.auth)).body.results as Json[];
      for (const process of everyone.body.results as Json[]) {
        const output = listed.find((p) => p.id === process.upload);
        expect(output, `output of process ${String(process.id)}`).toMatchObject({ process_status: process.status, process_id: String(process.id) });
      }
      expect(listed.find((p) => p.id === vvds)).toMatchObject({ process_status: null, process_id: null });
      // A run that starts and ends moves its output's process_status through Pending, then its end.
      const started = await call('POST', '/api/processes/', bob.auth, { display_name: 'Status follows', pipeline: 1, inputs: [vvds, twodf], used_config: { param: {} } });
      expect((await call('GET', `/api/products/${String(started.body.upload)}/`, bob.auth)).body.process_status).toMatch(/^(Pending|Running)$/);
      expect((await call('GET', '/api/processes/?status=Pending,Running', bob.auth)).body.results).toEqual([expect.objectContaining({ id: started.body.id })]);
      await processEnded(server, bob.auth, started.body.id as number);
      const after = await call('GET', `/api/products/?id=${String(started.body.upload)}`, bob.auth);
      expect((after.body.results as Json[])[0]).toMatchObject({ process_status: 'Successful', status: 1 });
    });

    it('stops a run for its owner only: Stopped, its output failed (status 9), nothing published', async () => {
      const started = await call('POST', '/api/processes/', alice.auth, { display_name: 'To stop', pipeline: 'combine_redshift_dedup', inputs: [vvds, twodf], used_config: { param: {} } });
      expect(started.status).toBe(201);
      const id = started.body.id as number;
      expect((await call('GET', `/api/processes/${id}/stop/`, bob.auth)).status).toBe(403);
      const stopped = await call('GET', `/api/processes/${id}/stop/`, alice.auth);
      expect(stopped.body).toMatchObject({ status: 'Stopped', can_stop: false });
      // The worker sees the stop: it never publishes.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await call('GET', `/api/processes/${id}/`, alice.auth)).body.status).toBe('Stopped');
      expect((await call('GET', `/api/products/${String(started.body.upload)}/`, alice.auth)).body.status).toBe(9);
      expect((await call('GET', `/api/processes/${id}/stop/`, alice.auth)).body.status).toBe('Stopped');
      expect((await call('GET', '/api/processes/999999/', alice.auth)).status).toBe(404);
      // A run is seen by who may see its output: deleted, the output is its owner's (and admins') alone, and so is the run.
      expect((await call('GET', `/api/processes/${id}/`, bob.auth)).status).toBe(200);
      expect((await call('DELETE', `/api/products/${String(started.body.upload)}/`, alice.auth)).status).toBe(204);
      const hidden = await call('GET', `/api/processes/${id}/`, bob.auth);
      expect(hidden.status).toBe(404);
      expect((await call('GET', `/api/processes/${id}/stop/`, bob.auth)).status).toBe(404);
      expect((await call('GET', `/api/processes/${id}/`, alice.auth)).status).toBe(200);
    });
  });
}
