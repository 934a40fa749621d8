import { FileRole } from '@pz/contracts';
import type { Config } from '@pz/config';

/**
 * How many bytes of an upload the hash store keeps. Photo-z estimates can be far larger than
 * anyone downloads through this service, so a main file of that type above
 * `MAX_STORED_ESTIMATE_BYTES` keeps only its metadata (name, size, sha256); every other file is
 * kept whole up to the upload limit.
 */
export function storedBytesLimit(config: Config, productTypeName: string, role: FileRole): number {
  const limit = productTypeName === 'photoz_estimates' && role === FileRole.Main ? config.maxStoredEstimateBytes : config.maxUploadBytes;
  return Math.min(limit, config.maxUploadBytes);
}
