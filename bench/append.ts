import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { GENESIS_HASH, type EventStore } from '@pz/contracts';
import { openPostgresEventStore } from '@pz/ledger';
import type { Benchmark } from './support/benchmark';
import { CatalogueGenerator, assertValid, type StreamAppend } from './support/catalogue-events';
import { describeServer, openScratchPostgres, withScratch } from './support/scratch-database';

const WRITER_COUNTS = [1, 8];
const SLICE_SECONDS = 2;
const STREAMS_PER_WRITER = 50;

/**
 * Event append on PostgreSQL from 1 and from 8 concurrent writers, two kinds of append:
 * a ProductRegistered to a new product stream (`no_stream`, what a registration writes) and a
 * ProductMetadataEdited to an existing stream at its exact revision (what every later command
 * writes). The baseline is pgbench-style: the same rows (same JSON payloads, same hash width)
 * as plain single-row INSERTs (autocommit) into a table with the same columns and only a
 * primary key, through node `pg`, with the same number of concurrent writers.
 * Store and baseline run in alternating 2-second slices (A B B A ...) so that both see the
 * same load on a shared machine; each figure is the sum of events over the sum of seconds.
 */
export const benchmark: Benchmark = {
  name: 'append',
  title: 'event append vs plain INSERTs (PostgreSQL)',
  async run(context) {
    const maxWriters = Math.max(...WRITER_COUNTS);
    await withScratch(openScratchPostgres(context.settings.databaseUrl, maxWriters + 2), async ({ database }) => {
      context.log(await describeServer(database));
      const store = await openPostgresEventStore(database);
      await sql`CREATE TABLE plain_events (
        id bigserial PRIMARY KEY, event_id uuid NOT NULL, stream_name text NOT NULL, stream_revision bigint NOT NULL,
        event_type text NOT NULL, schema_version integer NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
        hash char(64) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`.execute(database.kysely);
      const pool = new pg.Pool({ connectionString: context.settings.databaseUrl, max: maxWriters, options: `-c search_path=${database.schema}` });
      try {
        const generator = new CatalogueGenerator(context.settings.seed);
        assertValid([generator.product(1, 'registered'), generator.productEdit(1, 1)]);

        // Streams that already exist, STREAMS_PER_WRITER per writer (no two writers share one).
        const existing = Array.from({ length: maxWriters }, (_, w) => Array.from({ length: STREAMS_PER_WRITER }, (_, i) => ({ productId: 1 + w * STREAMS_PER_WRITER + i, revision: 0n })));
        for (const streams of existing) for (const s of streams) await appendToStore(store, generator.product(s.productId, 'registered'), 'no_stream');
        let nextProduct = 1 + maxWriters * STREAMS_PER_WRITER;
        let edits = 0;
        const turn = new Array<number>(maxWriters).fill(0);
        const nextEdit = (writer: number) => {
          const stream = existing[writer]?.[(turn[writer] = (turn[writer] ?? 0) + 1) % STREAMS_PER_WRITER];
          if (!stream) throw new Error(`no stream for writer ${writer}`);
          return { stream, append: generator.productEdit(stream.productId, ++edits) };
        };
        /** Each kind of append: one call of the store, and the same rows as plain INSERTs. */
        const workloads: Record<string, Record<'store' | 'plain', (writer: number) => Promise<number>>> = {
          'new stream (no_stream)': {
            store: () => appendToStore(store, generator.product(nextProduct++, 'registered'), 'no_stream'),
            plain: () => plainInsert(pool, generator.product(nextProduct++, 'registered'), 0n),
          },
          'existing stream (exact revision)': {
            async store(writer) {
              const { stream, append } = nextEdit(writer);
              const n = await appendToStore(store, append, stream.revision);
              stream.revision += BigInt(n);
              return n;
            },
            plain(writer) {
              const { stream, append } = nextEdit(writer);
              return plainInsert(pool, append, stream.revision + 1n);
            },
          },
        };

        for (const workload of Object.values(workloads)) for (const side of ['store', 'plain'] as const) await timed(maxWriters, 1, workload[side]);
        for (const writers of WRITER_COUNTS) {
          for (const [kind, workload] of Object.entries(workloads)) {
            const totals = { store: { events: 0, seconds: 0 }, plain: { events: 0, seconds: 0 } };
            for (let slice = 0; totals.store.seconds < context.settings.appendSeconds; slice++) {
              const order = slice % 2 === 0 ? (['plain', 'store'] as const) : (['store', 'plain'] as const);
              for (const side of order) {
                const r = await timed(writers, SLICE_SECONDS, workload[side]);
                totals[side].events += r.events;
                totals[side].seconds += r.seconds;
              }
            }
            context.record({
              label: `append, ${kind}, ${writers} writer${writers > 1 ? 's' : ''}`,
              value: totals.store.events / totals.store.seconds,
              unit: 'events/s',
              baseline: { label: 'plain INSERTs', value: totals.plain.events / totals.plain.seconds },
              target: { on: 'ratio', compare: '>=', threshold: 0.5 },
            });
          }
        }
      } finally {
        await pool.end();
        await store.close();
      }
    });
  },
};

async function appendToStore(store: EventStore, next: StreamAppend, expected: 'no_stream' | bigint): Promise<number> {
  const result = await store.append(next.stream, next.events, expected);
  if (!result.ok) throw new Error(result.error.message);
  return next.events.length;
}

/** The rows the store would write, with the same payloads, each as one autocommitted INSERT. */
async function plainInsert(pool: pg.Pool, next: StreamAppend, firstRevision: bigint): Promise<number> {
  for (const [index, event] of next.events.entries()) {
    const metadata = JSON.stringify({ ...event.metadata, schemaVersion: event.schemaVersion, previousEventHash: GENESIS_HASH });
    const data = JSON.stringify(event.data);
    await pool.query(
      'INSERT INTO plain_events (event_id, stream_name, stream_revision, event_type, schema_version, data, metadata, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [event.id, next.stream, String(firstRevision + BigInt(index)), event.type, event.schemaVersion, data, metadata, createHash('sha256').update(data).digest('hex')],
    );
  }
  return next.events.length;
}

/** `writers` loops calling `once(writer)` until `seconds` have passed: events written and seconds taken. */
async function timed(writers: number, seconds: number, once: (writer: number) => Promise<number>): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let events = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      while (performance.now() < deadline) {
        const written = await once(writer);
        events += written;
      }
    }),
  );
  return { events, seconds: (performance.now() - started) / 1000 };
}
