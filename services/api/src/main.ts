import { loadConfig } from '@pz/config';
import { bootstrapAdmin, bootstrapMessage } from './accounts/bootstrap-admin';
import { loadPortal } from './portal/portal-handler';
import { startServices } from './server';

const config = loadConfig();
const portal = await loadPortal();
if (!portal) console.warn('portal: web/build is missing (npm start builds it); serving the API only');
const services = await startServices(config, { logger: { level: config.logLevel }, portal });
if (config.bootstrapAdmin) {
  // Plain stdout rather than the JSON log: the token is for the person starting the server.
  console.log(bootstrapMessage(await bootstrapAdmin(services.deps, config.bootstrapAdmin.username, config.bootstrapAdmin.password)));
}
await services.app.listen({ host: config.host, port: config.port });
services.app.log.info({ url: config.publicUrl, database: config.databaseUrl ? 'postgresql' : `pglite:${config.pgliteDir}`, eventStore: config.eventStoreUrl ? 'kurrentdb' : 'postgresql', blobs: services.deps.blobs.root }, 'Photo-z Server ready');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    services.app.log.info({ signal }, 'shutting down');
    void services.close().then(() => process.exit(0));
  });
}
