import { Type, type TSchema } from 'typebox';
import { ProductSchema } from '../routes/schemas';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** One column of a registered main file, as the pzserver client reads and patches it. */
export const ProductContentSchema = Type.Object({
  id: Type.Integer(),
  product: Type.Integer(),
  column_name: Type.String(),
  ucd: Nullable(Type.String()),
  order: Type.Integer(),
  alias: Nullable(Type.String()),
  /** 0..1 while ucd/alias are a suggestion made at registry; null once the owner chose (or nothing was suggested). */
  confidence: Nullable(Type.Number()),
  /** The column's stored type (int64, float, string...). */
  type: Type.String(),
  /** Unit, UCD and description as the file gives them (null when its format carries none). */
  unit: Nullable(Type.String()),
  file_ucd: Nullable(Type.String()),
  description: Nullable(Type.String()),
});

export const AssociatedColumnSchema = Type.Object({ column_name: Type.String(), ucd: Nullable(Type.String()), alias: Nullable(Type.String()), confidence: Nullable(Type.Number()) });

export const HatsCatalogSchema = Type.Object({
  kind: Type.Union([Type.Literal('main'), Type.Literal('margin'), Type.Literal('index')]),
  /** Its folder inside the archive. */
  path: Type.String(),
  name: Nullable(Type.String()),
  /** As its properties give it (hats_nrows). */
  rows: Nullable(Type.Integer()),
  /** HEALPix partitions (null for an index catalog). */
  partition_count: Nullable(Type.Integer()),
  margin_threshold_arcsec: Nullable(Type.Number()),
  index_column: Nullable(Type.String()),
});

export const HatsSchema = Type.Object({
  name: Nullable(Type.String()),
  /** The primary catalog's folder inside the archive ('' at its top). */
  catalog_path: Type.String(),
  collection: Type.Boolean(),
  ra_column: Nullable(Type.String()),
  dec_column: Nullable(Type.String()),
  orders: Type.Array(Type.Integer()),
  partition_count: Type.Integer(),
  /** The partitions (HEALPix order and pixel, nested scheme), the first 3072 when `partitions_truncated`. */
  partitions: Type.Array(Type.Object({ order: Type.Integer(), pixel: Type.Integer() })),
  partitions_truncated: Type.Boolean(),
  margins: Nullable(Type.String()),
  /** The catalog's `dataproduct_type` (object, source, margin, index...). */
  catalog_type: Nullable(Type.String()),
  /** A margin catalog's: how far past each partition's edge it reaches, in arcseconds. */
  margin_threshold_arcsec: Nullable(Type.Number()),
  /** A margin or index catalog's primary catalog, by its folder name. */
  primary_catalog: Nullable(Type.String()),
  /** A collection's catalogs: its main catalog, then the margin and index catalogs collection.properties names (empty for a lone catalog). */
  catalogs: Type.Array(HatsCatalogSchema),
});

export const QpSchema = Type.Object({
  /** qp's own name (hist, interp, mixmod, quant...) and what it means. */
  parameterization: Nullable(Type.String()),
  parameterization_label: Nullable(Type.String()),
  pdf_count: Type.Integer(),
  /** The meta dataset holding the grid (bins, xvals, quants) and its values (the first 2000). */
  grid_name: Nullable(Type.String()),
  grid: Type.Array(Type.Number()),
  /** Ancillary point estimates, one value per PDF (zmode, zmean...): columns of read_data. */
  point_estimates: Type.Array(Type.String()),
});

export const MainFileSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  extension: Type.String(),
  size: Type.Integer(),
  /** Null until registry has counted the rows (and for files that are not tables). */
  n_rows: Nullable(Type.Integer()),
  is_directory: Type.Boolean(),
  /** The columns that have a role or UCD. */
  associated_columns: Type.Array(AssociatedColumnSchema),
  /** What registry found: csv, parquet, hdf5, fits, binary (not a table), unknown (not stored); null before registry. */
  format: Nullable(Type.String()),
  /** Why the last registry failed; null otherwise. */
  registry_error: Nullable(Type.String()),
  delimiter: Type.Optional(Type.String()),
  has_header: Type.Optional(Type.Boolean()),
  columns: Type.Optional(Type.Array(Type.String())),
  /** For a HATS catalog or collection: its HEALPix partitioning, enough to draw its sky coverage. */
  hats: Type.Optional(HatsSchema),
  /** For a qp ensemble of photo-z PDFs: how they are parameterised, how many, on which grid. */
  qp: Type.Optional(QpSchema),
});

export const MainFileInfoSchema = Type.Object({ ...ProductSchema.properties, main_file: MainFileSchema });

const JsonCell = Type.Unknown();

export const ReadDataSchema = Type.Object({
  count: Type.Integer(),
  columns: Type.Array(Type.String()),
  /** Per column, in `columns` order: type, unit/UCD/description as the file gives them, and the association. */
  column_info: Type.Array(Type.Object({
    name: Type.String(),
    type: Type.String(),
    unit: Nullable(Type.String()),
    file_ucd: Nullable(Type.String()),
    description: Nullable(Type.String()),
    ucd: Nullable(Type.String()),
    alias: Nullable(Type.String()),
  })),
  results: Type.Array(Type.Record(Type.String(), JsonCell)),
});

/** A registry running in the background (main files above REGISTRY_BACKGROUND_BYTES). */
export const RegistryJobSchema = Type.Object({
  product: Type.Integer(),
  job: Type.Integer(),
  /** queued, running, done or failed. */
  state: Type.String(),
  /** Bytes of the main file (or of an archive's member) counted so far, and of the whole. */
  bytes_scanned: Type.Integer(),
  bytes_total: Nullable(Type.Integer()),
  attempts: Type.Integer(),
  /** Why the last attempt failed (a failed job leaves the product as it was: run registry again). */
  error: Nullable(Type.String()),
  /** What registry recorded once done: `{outcome: "registered", format, n_rows}` or `{outcome: "failed", code, reason}`. */
  result: Type.Unknown(),
  status_url: Type.String(),
});
