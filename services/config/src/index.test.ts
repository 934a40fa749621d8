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

describe('REGISTRY_BACKGROUND_BYTES', () => {
  it('registers main files up to 2 GiB in the request unless set, and refuses a value that is not an integer', () => {
    expect(loadConfig({}).registryBackgroundBytes).toBe(2 * 1024 ** 3);
    expect(loadConfig({ REGISTRY_BACKGROUND_BYTES: '1000' }).registryBackgroundBytes).toBe(1000);
    expect(() => loadConfig({ REGISTRY_BACKGROUND_BYTES: 'big' })).toThrow(/REGISTRY_BACKGROUND_BYTES/);
  });
});
