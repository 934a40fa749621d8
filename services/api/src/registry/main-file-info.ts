import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { CatalogueTables } from '@pz/projections';
import { findRegistry, type MainFileRow } from './main-file';
import { Value } from 'typebox/value';
import { HatsCatalogSchema, type HatsSchema, type MainFileSchema, type QpSchema } from './schemas';

/**
 * The `main_file` block of `main_file_info`, from the read models only: the file is never read
 * here, so the answer is as cheap for a 10 GB Parquet as for the tutorial CSV. Row count and CSV
 * dialect are those registry recorded.
 */
export async function mainFileInfo(db: Kysely<CatalogueTables>, productId: number, file: MainFileRow): Promise<Static<typeof MainFileSchema>> {
  const [registry, columns] = await Promise.all([
    findRegistry(db, productId),
    db.selectFrom('product_contents').select(['column_name', 'ucd', 'alias', 'confidence']).where('product_id', '=', productId).orderBy('order').execute(),
  ]);
  const details = registry?.details ?? {};
  const info: Static<typeof MainFileSchema> = {
    name: file.name,
    type: file.mime_type,
    extension: file.extension,
    size: Number(file.size),
    n_rows: registry?.n_rows == null ? null : Number(registry.n_rows),
    is_directory: false,
    associated_columns: columns.filter((c) => c.alias !== null || c.ucd !== null),
    format: registry?.format ?? null,
    registry_error: registry?.error_message ?? null,
  };
  if (registry?.format === 'csv') {
    if (typeof details.delimiter === 'string') info.delimiter = details.delimiter;
    if (typeof details.has_header === 'boolean') info.has_header = details.has_header;
    info.columns = columns.map((c) => c.column_name);
  }
  if (registry?.format === 'hats') info.hats = hatsInfo(details);
  if (registry?.format === 'qp') info.qp = qpInfo(details);
  return info;
}

type Details = Record<string, string | number | boolean | null>;
const text = (value: Details[string] | undefined): string | null => (typeof value === 'string' ? value : null);

/** What registry recorded of a qp ensemble (see @pz/tables qp-ensemble.ts `details`). */
function qpInfo(details: Details): Static<typeof QpSchema> {
  const grid = text(details.qp_grid);
  const parsed: unknown = grid === null ? [] : JSON.parse(grid);
  return {
    parameterization: text(details.qp_parameterization),
    parameterization_label: text(details.qp_parameterization_label),
    pdf_count: typeof details.qp_pdf_count === 'number' ? details.qp_pdf_count : 0,
    grid_name: text(details.qp_grid_name),
    grid: Array.isArray(parsed) ? parsed.filter((v): v is number => typeof v === 'number') : [],
    point_estimates: (text(details.qp_point_estimates) ?? '').split(',').filter((p) => p !== ''),
  };
}

/** The partitioning registry recorded for a HATS archive (see @pz/tables hats-table.ts `details`). */
function hatsInfo(details: Details): Static<typeof HatsSchema> {
  const words = (text(details.hats_partitions) ?? '').split(' ').filter((w) => w !== '');
  return {
    name: text(details.hats_name),
    catalog_path: text(details.hats_catalog_path) ?? '',
    collection: details.hats_collection === true,
    ra_column: text(details.hats_ra_column),
    dec_column: text(details.hats_dec_column),
    orders: (text(details.hats_orders) ?? '').split(',').filter((o) => o !== '').map(Number),
    partition_count: typeof details.hats_partition_count === 'number' ? details.hats_partition_count : words.length,
    partitions: words.map((w) => {
      const [order = 0, pixel = 0] = w.split('/').map(Number);
      return { order, pixel };
    }),
    partitions_truncated: details.hats_partitions_truncated === true,
    margins: text(details.hats_margins),
    catalog_type: text(details.hats_catalog_type),
    margin_threshold_arcsec: typeof details.hats_margin_threshold === 'number' ? details.hats_margin_threshold : null,
    primary_catalog: text(details.hats_primary_catalog),
    catalogs: hatsCatalogs(text(details.hats_catalogs)),
  };
}

/** The collection's catalogs registry recorded as JSON; entries not of the expected shape are left out. */
function hatsCatalogs(json: string | null): Static<typeof HatsCatalogSchema>[] {
  if (json === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter((entry): entry is Static<typeof HatsCatalogSchema> => Value.Check(HatsCatalogSchema, entry)) : [];
}
