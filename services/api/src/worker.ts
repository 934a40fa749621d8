import { loadConfig } from '@pz/config';
import { startServices } from './server';

/**
 * `npm run worker`: a process that runs pipeline jobs (and background registry) from the shared
 * PostgreSQL queue and serves no HTTP. Start as many as the machines allow, on the same
 * DATABASE_URL (and BLOB_URL, or a shared BLOB_DIR) as the app processes; PIPELINE_WORKERS runs
 * at once in each (default 1). PGlite lets one process hold its folder: on the embedded default
 * the runs execute inside `npm start` instead.
 */
const base = loadConfig();
if (!base.databaseUrl) {
  console.error('npm run worker needs DATABASE_URL (a PostgreSQL shared with the app processes); on the embedded default, `npm start` runs the pipelines itself');
  process.exit(1);
}
const config = base.pipelineWorkers > 0 ? base : { ...base, pipelineWorkers: 1 };
const services = await startServices(config, { logger: { level: config.logLevel } });
await services.app.ready();
// Plain stdout, whatever LOG_LEVEL says: the person (or test) starting it waits for this line.
console.log(`pipeline worker ready (pid ${process.pid}, ${config.pipelineWorkers} at once)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    services.app.log.info({ signal }, 'worker shutting down: finishing the runs in progress');
    void services.close().then(() => process.exit(0));
  });
}
