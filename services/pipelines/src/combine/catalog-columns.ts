/** One catalog in the homogenised schema, column-wise: typed arrays for everything numeric. */
export interface CatalogColumns {
  readonly rowCount: number;
  readonly id: readonly (string | null)[];
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  readonly z: Float64Array;
  /** The survey's own flag, as a number (NaN when missing or not numeric). */
  readonly zFlag: Float64Array;
  /** NaN when missing or when the input maps no z_err column. */
  readonly zErr: Float64Array;
  /** Index into `surveyNames`, -1 when none. */
  readonly surveyCode: Int32Array;
  readonly surveyNames: readonly string[];
  /** 0–4 or 6, -1 when no rule applies. */
  readonly zFlagHomogenized: Int8Array;
  /** Index into `instrumentTypes`, -1 when no rule applies. */
  readonly instrumentTypeCode: Int8Array;
  readonly instrumentTypes: readonly string[];
}

export interface CombinedCatalog extends CatalogColumns {
  /** Index into `sources`: which input each row came from. */
  readonly sourceCode: Uint16Array;
  readonly sources: readonly string[];
}
