import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index';

describe('loadConfig', () => {
  it('allows 4 uploads in progress per user unless MAX_CONCURRENT_UPLOADS_PER_USER says otherwise', () => {
    expect(loadConfig({}).maxConcurrentUploadsPerUser).toBe(4);
    expect(loadConfig({ MAX_CONCURRENT_UPLOADS_PER_USER: '' }).maxConcurrentUploadsPerUser).toBe(4);
    expect(loadConfig({ MAX_CONCURRENT_UPLOADS_PER_USER: '64' }).maxConcurrentUploadsPerUser).toBe(64);
  });

  it.each(['0', '-1', '2.5', 'four', '1e400'])('refuses MAX_CONCURRENT_UPLOADS_PER_USER=%s, naming the variable', (value) => {
    expect(() => loadConfig({ MAX_CONCURRENT_UPLOADS_PER_USER: value })).toThrow(/MAX_CONCURRENT_UPLOADS_PER_USER/);
  });
});

describe('TABLE_DECODE_TIMEOUT_MS', () => {
  it('gives Parquet pages 30 s to decode unless set, and refuses a value that is not a positive integer', () => {
    expect(loadConfig({}).tableDecodeTimeoutMs).toBe(30_000);
    expect(loadConfig({ TABLE_DECODE_TIMEOUT_MS: '5000' }).tableDecodeTimeoutMs).toBe(5000);
    expect(() => loadConfig({ TABLE_DECODE_TIMEOUT_MS: '0' })).toThrow(/TABLE_DECODE_TIMEOUT_MS/);
    expect(() => loadConfig({ TABLE_DECODE_TIMEOUT_MS: 'soon' })).toThrow(/TABLE_DECODE_TIMEOUT_MS/);
  });
});

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, so X-Forwarded-For cannot choose the client address', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('takes true, a hop count, or a list of addresses and CIDR ranges', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.org' })).toThrow(/TRUST_PROXY/);
  });
});

describe('ledger checkpoints', () => {
  it('signs a checkpoint every 60 s or 10,000 events unless told otherwise; 0 turns either off', () => {
    expect(loadConfig({})).toMatchObject({ ledgerCheckpointIntervalS: 60, ledgerCheckpointEveryEvents: 10_000, ledgerSigningKey: null });
    expect(loadConfig({ LEDGER_CHECKPOINT_INTERVAL_S: '0', LEDGER_CHECKPOINT_EVERY_EVENTS: '5' })).toMatchObject({ ledgerCheckpointIntervalS: 0, ledgerCheckpointEveryEvents: 5 });
    expect(() => loadConfig({ LEDGER_CHECKPOINT_INTERVAL_S: 'hourly' })).toThrow(/LEDGER_CHECKPOINT_INTERVAL_S/);
    expect(() => loadConfig({ LEDGER_CHECKPOINT_EVERY_EVENTS: '-1' })).toThrow(/LEDGER_CHECKPOINT_EVERY_EVENTS/);
  });
});

describe('table reader limits', () => {
  it('come from TABLE_DECODE_WORKERS, TABLE_DECODE_QUEUE, TABLE_DECODES_PER_USER, TABLE_WORKER_HEAP_MB, HDF5_MEMORY_MB, HDF5_MAX_CHUNK_BYTES, HDF5_RECYCLE_MB, TABLE_MAX_WINDOW_BYTES, FITS_MAX_HEADER_BYTES', () => {
    expect(loadConfig({}).tableReaders).toEqual({ decodeWorkers: Math.max(1, availableParallelism() - 1), decodeQueue: 16, decodesPerRequester: 2, workerHeapMb: 512, hdf5MemoryMb: 512, hdf5MaxChunkBytes: 16 * 1024 ** 2, hdf5RecycleMb: 256, maxWindowBytes: 64 * 1024 ** 2, fitsMaxHeaderBytes: 2800 * 2880 });
    const set = loadConfig({ TABLE_DECODE_WORKERS: '1', TABLE_DECODE_QUEUE: '0', TABLE_DECODES_PER_USER: '3', TABLE_WORKER_HEAP_MB: '256', HDF5_MEMORY_MB: '128', HDF5_MAX_CHUNK_BYTES: '1048576', HDF5_RECYCLE_MB: '64', TABLE_MAX_WINDOW_BYTES: '1000000', FITS_MAX_HEADER_BYTES: '28800' });
    expect(set.tableReaders).toEqual({ decodeWorkers: 1, decodeQueue: 0, decodesPerRequester: 3, workerHeapMb: 256, hdf5MemoryMb: 128, hdf5MaxChunkBytes: 1048576, hdf5RecycleMb: 64, maxWindowBytes: 1000000, fitsMaxHeaderBytes: 28800 });
    expect(() => loadConfig({ TABLE_DECODE_WORKERS: '0' })).toThrow(/TABLE_DECODE_WORKERS/);
  });
});

describe('REGISTRY_BACKGROUND_BYTES', () => {
  it('registers main files up to 2 GiB in the request unless set, and refuses a value that is not an integer', () => {
    expect(loadConfig({}).registryBackgroundBytes).toBe(2 * 1024 ** 3);
    expect(loadConfig({ REGISTRY_BACKGROUND_BYTES: '1000' }).registryBackgroundBytes).toBe(1000);
    expect(() => loadConfig({ REGISTRY_BACKGROUND_BYTES: 'big' })).toThrow(/REGISTRY_BACKGROUND_BYTES/);
  });
});

describe('OIDC_* (login through an identity provider)', () => {
  it('is off without OIDC_ISSUER; with it, defaults the scopes, the groups claim, the button name, and derives the callback from PUBLIC_URL', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(loadConfig({ OIDC_ISSUER: 'https://login.example.org/realm', OIDC_CLIENT_ID: 'pz', PUBLIC_URL: 'https://pz.example.org/' }).oidc).toEqual({
      issuer: 'https://login.example.org/realm', clientId: 'pz', clientSecret: null, scopes: 'openid profile email', groupsClaim: 'groups',
      displayName: 'login.example.org', redirectUri: 'https://pz.example.org/api/auth/oidc/callback/',
    });
    const set = loadConfig({ OIDC_ISSUER: 'https://idp.example', OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_SCOPES: ' openid  email groups ', OIDC_GROUPS_CLAIM: 'isMemberOf', OIDC_DISPLAY_NAME: 'Rubin', PORT: '9000' }).oidc;
    expect(set).toMatchObject({ clientSecret: 's', scopes: 'openid email groups', groupsClaim: 'isMemberOf', displayName: 'Rubin', redirectUri: 'http://127.0.0.1:9000/api/auth/oidc/callback/' });
  });
  it('refuses an issuer that is not a URL, or one without a client id', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'login', OIDC_CLIENT_ID: 'pz' })).toThrow(/OIDC_ISSUER/);
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example' })).toThrow(/OIDC_CLIENT_ID/);
  });
});
