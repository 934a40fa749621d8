/** Product types, statuses, file roles and column roles: the domain vocabulary of the pzserver contract. */

export const PRODUCT_TYPES = [
  { name: 'redshift_catalog', displayName: 'Reference Redshift Catalog', order: 1, tabular: true, releaseAllowed: false, pzCodeAllowed: false, description: 'Spectroscopic (or otherwise reliable) redshifts used as reference.' },
  { name: 'training_set', displayName: 'Training Set', order: 2, tabular: true, releaseAllowed: true, pzCodeAllowed: false, description: 'Objects with photometry and reference redshifts used to train photo-z algorithms.' },
  { name: 'training_results', displayName: 'Training Results', order: 3, tabular: false, releaseAllowed: true, pzCodeAllowed: false, description: 'The output of training a photo-z algorithm, usually a pickle.' },
  { name: 'validation_results', displayName: 'Validation Results', order: 4, tabular: false, releaseAllowed: true, pzCodeAllowed: true, description: 'Metrics and plots from validating photo-z estimates.' },
  { name: 'photoz_estimates', displayName: 'Photo-z Estimates', order: 5, tabular: false, releaseAllowed: true, pzCodeAllowed: true, description: 'Photo-z point estimates or PDFs for a set of objects.' },
  { name: 'object_catalog', displayName: 'Objects Catalog', order: 6, tabular: true, releaseAllowed: true, pzCodeAllowed: true, description: 'Objects with photometry.' },
  { name: 'other', displayName: 'Other', order: 7, tabular: false, releaseAllowed: true, pzCodeAllowed: true, description: 'Anything else.' },
] as const;

export type ProductTypeName = (typeof PRODUCT_TYPES)[number]['name'];
export const PRODUCT_TYPE_NAMES: readonly ProductTypeName[] = PRODUCT_TYPES.map((t) => t.name);

export const ProductStatus = { Registering: 0, Published: 1, Deleted: 2, Processing: 3, Failed: 9 } as const;
export type ProductStatus = (typeof ProductStatus)[keyof typeof ProductStatus];
export const PRODUCT_STATUS_LABELS: Record<ProductStatus, string> = {
  0: 'Registering',
  1: 'Published',
  2: 'Deleted',
  3: 'Processing',
  9: 'Failed',
};

export const FileRole = { Main: 0, Description: 1, Auxiliary: 2 } as const;
export type FileRole = (typeof FileRole)[keyof typeof FileRole];
export const FILE_ROLE_NAMES: Record<FileRole, string> = { 0: 'main', 1: 'description', 2: 'auxiliary' };

/** Column roles (alias → UCD) of the pzserver contract. */
export const COLUMN_ROLES = [
  { alias: 'ID', ucd: 'meta.id;meta.main' },
  { alias: 'RA', ucd: 'pos.eq.ra;meta.main' },
  { alias: 'Dec', ucd: 'pos.eq.dec;meta.main' },
  { alias: 'z', ucd: 'src.redshift' },
  { alias: 'z_err', ucd: 'stat.error;src.redshift' },
  { alias: 'z_flag', ucd: 'stat.rank' },
  { alias: 'survey', ucd: 'meta.curation' },
] as const;

/** Column roles that must be mapped before a product of that type may be published. */
export const REQUIRED_COLUMN_ROLES: Partial<Record<ProductTypeName, readonly string[]>> = {
  redshift_catalog: ['RA', 'Dec', 'z'],
  object_catalog: ['RA', 'Dec'],
  training_set: ['z'],
};

/** `internal_name` = `<id>_` + display name lower-cased, spaces → `_`, only letters/digits/`_` kept. */
export function internalNameOf(id: number, displayName: string): string {
  const slug = displayName
    .toLowerCase()
    .replace(/\s/g, '_')
    .replace(/[^\p{L}\p{N}_]/gu, '');
  return `${id}_${slug}`;
}
