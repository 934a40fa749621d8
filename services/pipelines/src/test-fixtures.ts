import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CombineInput } from './combine/combine-request';
import { parseTranslationRules, type TranslationRules } from './flags/translation-rules';

/** The shared real data (LIneA's test samples), read in place, never copied. */
export const REDSHIFT_CATALOGS = fileURLToPath(new URL('../../../../shared/data/redshift-catalogs/', import.meta.url));

export function referenceRules(): TranslationRules {
  const parsed = parseTranslationRules(readFileSync(`${REDSHIFT_CATALOGS}flags_translation.yaml`, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** The three real catalogs with their column associations (from data/README.md). */
export const REAL_INPUTS: readonly CombineInput[] = [
  {
    path: `${REDSHIFT_CATALOGS}vvds_final_release_random_sample.parquet`,
    source: 'vvds',
    columns: { id: 'NUM', ra: 'ALPHA', dec: 'DELTA', z: 'Z', z_flag: 'ZFLAGS', survey: 'survey_name' },
  },
  {
    path: `${REDSHIFT_CATALOGS}2dflens_final_release_random_sample.parquet`,
    source: '2dflens',
    columns: { id: 'unique_id', ra: 'RA', dec: 'Dec', z: 'z', z_flag: 'qual', survey: 'survey_name' },
  },
  {
    path: `${REDSHIFT_CATALOGS}ozdes_dr2_random_sample.parquet`,
    source: 'ozdes',
    columns: { id: 'OzDES_ID', ra: 'Alpha_J2000', dec: 'Delta_J2000', z: 'z', z_flag: 'qop', survey: 'survey_name' },
  },
];
