import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, formatPosition, type LogPosition } from '@pz/contracts';
import type { ApiProcess } from '@pz/api/api-process';
import { hasPython, inspectZip } from '@pz/api/downloads/testing';
import {
  CrashCatalogue,
  Replay,
  auditBlobs,
  catalogueCheckpoint,
  crashBackends,
  createInstallation,
  fileBytes,
  getJson,
  readWholeLog,
  sha256,
  sleep,
  snapshotReadModel,
  spawnServer,
  startDownload,
  startUpload,
  tempFileSizes,
  waitUntil,
  type BlobAudit,
  type HttpOutcome,
  type KnownUser,
} from './crash-harness';

/** Products (about ten events each) appended to the ledger before each projection round. */
const PRODUCTS_PER_ROUND = 700;
const UPLOAD_BYTES = 24 << 20;

/**
 * "Nothing lost on crash": the real server process, SIGKILLed in the middle of a projection batch,
 * of a large multipart upload and of a zip download, then restarted on the same data (the same
 * DATA_DIR, the same PostgreSQL schema). After every kill: no event names a blob the hash store
 * lacks, every blob's bytes hash to its address, and the read models equal a fresh replay of the
 * ledger up to their checkpoint. At the end the interrupted upload and download are retried.
 */
for (const backend of crashBackends()) {
  describe.sequential(`SIGKILL and restart (${backend})`, () => {
    const installation = createInstallation(backend);
    const catalogue = new CrashCatalogue(20_260_426);
    const upload = fileBytes('interrupted upload', UPLOAD_BYTES);
    const uploadKey = randomUUID();
    const publishedUpload = fileBytes('upload killed while it is published', 3 << 20);
    const figures = { kills: 0, midProjection: 0, midUpload: 0, midDownload: 0, eventsReplayed: 0, publishWindow: '' };
    let replay: Replay;
    let uploader: KnownUser;
    let downloader: KnownUser;
    let lastProductId = 0;
    let server: ApiProcess | null = null;
    let partialZip: { bytes: Buffer; etag: string } | null = null;

    beforeAll(async () => {
      const storage = await installation.openStorage();
      try {
        ({ uploader, downloader } = await catalogue.setUp(storage));
      } finally {
        await storage.close();
      }
      replay = await Replay.open(backend);
    }, 600_000);

    afterAll(async () => {
      await server?.stop('SIGKILL');
      await replay?.drop();
      await installation.remove();
      console.log(`crash figures (${backend}): ${JSON.stringify(figures)}`);
    }, 600_000);

    /** With the server dead: the storage promises, and read models equal to a replay up to their checkpoint. */
    async function inspectAfterCrash(): Promise<{ checkpoint: LogPosition; head: LogPosition; audit: BlobAudit }> {
      const storage = await installation.openStorage();
      try {
        const events = await readWholeLog(storage.store);
        const audit = await auditBlobs(storage, events);
        const checkpoint = await catalogueCheckpoint(storage.database);
        const head = await storage.store.headPosition();
        expect(comparePositions(checkpoint, head)).toBeLessThanOrEqual(0);
        await replay.advanceTo(events, checkpoint);
        figures.eventsReplayed = events.filter((e) => comparePositions(e.position, checkpoint) <= 0).length;
        expect(await snapshotReadModel(storage.database), `read model at checkpoint ${formatPosition(checkpoint)}`).toEqual(await replay.snapshot());
        return { checkpoint, head, audit };
      } finally {
        await storage.close();
      }
    }

    async function appendRound(): Promise<{ from: LogPosition; to: LogPosition }> {
      const storage = await installation.openStorage();
      try {
        const from = await storage.store.headPosition();
        ({ lastProductId } = await catalogue.appendProducts(storage.store, PRODUCTS_PER_ROUND));
        return { from, to: await storage.store.headPosition() };
      } finally {
        await storage.close();
      }
    }

    /**
     * Boots on a log with fresh events and is killed while the projector works through them. On
     * PostgreSQL the test watches the catalogue checkpoint over its own connection and kills the
     * moment it has moved into the new events (a catch-up of ~7,000 events takes a few hundred
     * ms there, in pages); PGlite has one process, so there the kill comes as soon as the API
     * shows the projector still behind, which it often is not (PGlite mostly finishes during the
     * boot): that backend's mid-batch figure is reported, not required.
     */
    async function projectionRound(): Promise<void> {
      const { from, to } = await appendRound();
      server = await spawnServer(installation);
      if (backend === 'postgres') {
        const watcher = await installation.openStorage();
        try {
          await waitUntil('the projector has moved into the new events', async () => comparePositions(await catalogueCheckpoint(watcher.database), from) > 0, 600_000);
          await server.stop('SIGKILL');
        } finally {
          await watcher.close();
        }
      } else {
        await server.ready;
        await getJson(server.origin, `/api/products/${lastProductId}/`, catalogue.admin.auth);
        await sleep(Math.random() * 150);
        await server.stop('SIGKILL');
      }
      figures.kills++;
      const after = await inspectAfterCrash();
      // Mid-stream: the checkpoint moved into the new events but has not reached their end.
      if (comparePositions(after.checkpoint, from) > 0 && comparePositions(after.checkpoint, to) < 0) figures.midProjection++;
    }

    /**
     * Kills the server while an upload has sent part of its file and a zip download has been read
     * in part, with fresh events appended before the boot so that the projector is likely busy too.
     */
    async function transferRound(): Promise<void> {
      const { from, to } = await appendRound();
      server = await spawnServer(installation);
      await server.ready;
      const stallAt = Math.floor(UPLOAD_BYTES * (0.2 + Math.random() * 0.6));
      const sending = startUpload(server.origin, { auth: uploader.auth, productId: catalogue.uploadProduct, content: upload, idempotencyKey: uploadKey, stallAt });
      const zipUrl = `${server.origin}/api/products/${catalogue.downloadProduct}/download/`;
      const reading = startDownload(zipUrl, { auth: downloader.auth, pauseAt: Math.floor((1 + Math.random() * 6) * (1 << 20)) });
      await sending.stalled;
      await waitUntil('the server has written part of the upload', async () => (await tempFileSizes(installation.blobDir)).some((size) => size >= Math.min(stallAt / 2, stallAt - (4 << 20))), 300_000);
      await reading.paused;
      const headers = await reading.headers;
      // A second upload sent whole: the kill lands while it is made durable, published and recorded.
      const finishing = startUpload(server.origin, { auth: uploader.auth, productId: catalogue.uploadProduct, content: publishedUpload, idempotencyKey: randomUUID(), role: 2 });
      const publishedHash = sha256(publishedUpload);
      const publishedPath = path.join(installation.blobDir, 'sha256', publishedHash.slice(0, 2), publishedHash.slice(2, 4), publishedHash);
      await waitUntil('the server has the whole second upload', async () => (await tempFileSizes(installation.blobDir)).includes(publishedUpload.length) || existsSync(publishedPath), 300_000);
      await sleep(Math.random() * 250);
      await server.stop('SIGKILL');
      figures.kills++;
      reading.resume();
      const [uploadOutcome, downloadOutcome, finishingOutcome] = await Promise.all([sending.outcome, reading.outcome, finishing.outcome]);
      figures.publishWindow = finishingOutcome instanceof Error ? 'killed' : `answered ${finishingOutcome.status}`;
      expect(uploadOutcome).toBeInstanceOf(Error);
      expect(downloadOutcome).toBeInstanceOf(Error);
      partialZip = { bytes: reading.received(), etag: String(headers.etag) };

      const { audit, checkpoint } = await inspectAfterCrash();
      if (comparePositions(checkpoint, from) > 0 && comparePositions(checkpoint, to) < 0) figures.midProjection++;
      // The interrupted write is a partial temp file, and nothing of it is visible at an address.
      const partial = audit.tempFiles.filter((name) => name.endsWith('.blob'));
      if (partial.length > 0) figures.midUpload++;
      expect(audit.blobs).toBeGreaterThan(0);
      const storage = await installation.openStorage();
      try {
        expect(await storage.blobs.has(sha256(upload))).toBe(false);
      } finally {
        await storage.close();
      }
      if (partialZip.bytes.length > 0 && partialZip.bytes.length < Number(headers['content-length'])) figures.midDownload++;
    }

    it('keeps every blob whole, every named blob present and the read models equal to a replay, through kills mid-batch, mid-upload and mid-download', async () => {
      await projectionRound();
      await transferRound();
      expect(figures.midUpload).toBe(1);
      expect(figures.midDownload).toBe(1);
      if (backend === 'postgres') expect(figures.midProjection).toBeGreaterThanOrEqual(1);
    }, 1_200_000);

    it('retries the interrupted upload on the restarted server, and it succeeds', async () => {
      server = await spawnServer(installation);
      await server.ready;
      const done = startUpload(server.origin, { auth: uploader.auth, productId: catalogue.uploadProduct, content: upload, idempotencyKey: uploadKey });
      const outcome = (await done.outcome) as HttpOutcome;
      expect(outcome).not.toBeInstanceOf(Error);
      expect(outcome.status, outcome.body.toString()).toBe(201);
      expect(JSON.parse(outcome.body.toString())).toMatchObject({ size: UPLOAD_BYTES });
      const main = startDownload(`${server.origin}/api/products/${catalogue.uploadProduct}/download_main_file/`, { auth: uploader.auth });
      const got = (await main.outcome) as HttpOutcome;
      expect(got.status).toBe(200);
      expect(sha256(got.body)).toBe(sha256(upload));
    }, 900_000);

    it.skipIf(!hasPython)('retries the interrupted zip download: a valid zip whose entries hash to the stored blobs, also resumed by Range', async () => {
      if (!server) throw new Error('no server');
      const zipUrl = `${server.origin}/api/products/${catalogue.downloadProduct}/download/`;
      const full = (await startDownload(zipUrl, { auth: downloader.auth }).outcome) as HttpOutcome;
      expect(full.status).toBe(200);
      const file = path.join(installation.dataDir, 'retried.zip');
      writeFileSync(file, full.body);
      const entries = await inspectZip(file);
      rmSync(file);
      const files = await getJson<{ results: { name: string; sha256: string }[] }>(server.origin, `/api/product-files/?product_id=${catalogue.downloadProduct}`, downloader.auth);
      const stored = new Set(files.body.results.map((f) => f.sha256));
      const blobEntries = entries.filter((e) => e.name !== 'product_metadata.yaml');
      expect(blobEntries.length).toBe(files.body.results.length);
      for (const entry of blobEntries) expect(stored.has(entry.sha256 ?? '')).toBe(true);

      if (!partialZip) throw new Error('no interrupted download');
      const { bytes, etag } = partialZip;
      const rest = (await startDownload(zipUrl, { auth: downloader.auth, headers: { range: `bytes=${bytes.length}-`, 'if-range': etag } }).outcome) as HttpOutcome;
      expect(rest.status).toBe(206);
      expect(sha256(Buffer.concat([bytes, rest.body]))).toBe(sha256(full.body));
    }, 900_000);

    it('ends with read models equal to a fresh replay of the whole ledger, and the dead writes swept', async () => {
      if (!server) throw new Error('no server');
      const base = server.origin;
      await waitUntil('the projector has caught up', async () => (await getJson(base, `/api/products/${lastProductId}/`, catalogue.admin.auth)).status === 200, 300_000);
      await server.stop('SIGKILL');
      server = null;
      const { checkpoint, head } = await inspectAfterCrash();
      expect(formatPosition(checkpoint)).toBe(formatPosition(head));
      const storage = await installation.openStorage();
      try {
        const named = new Set((await readWholeLog(storage.store)).flatMap((e) => (e.type === 'ProductFileAttached' ? [(e.data as { sha256: string }).sha256] : [])));
        const swept = await storage.blobs.sweep({ isReferenced: (h) => named.has(h), tempOlderThanMs: 0, blobOlderThanMs: Number.MAX_SAFE_INTEGER });
        expect(swept.unreferenced).toEqual([]);
        expect(swept.staleTempFiles.length).toBeGreaterThanOrEqual(1);
        const audit = await auditBlobs(storage, await readWholeLog(storage.store));
        expect(audit.tempFiles).toEqual([]);
        expect(audit.namedBlobs).toBeGreaterThan(PRODUCTS_PER_ROUND);
      } finally {
        await storage.close();
      }
    }, 900_000);
  });
}
