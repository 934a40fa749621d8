import { loadConfig } from '@pz/config';
import { startServices } from './server';

const config = loadConfig();
const services = await startServices(config, { logger: { level: config.logLevel } });
await services.app.listen({ host: config.host, port: config.port });
services.app.log.info({ url: config.publicUrl, database: config.databaseUrl ? 'postgresql' : `pglite:${config.pgliteDir}`, eventStore: config.eventStoreUrl ? 'kurrentdb' : 'postgresql', blobs: services.deps.blobs.root }, 'Photo-z Server ready');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    services.app.log.info({ signal }, 'shutting down');
    void services.close().then(() => process.exit(0));
  });
}
