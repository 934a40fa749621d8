/** Whole columns of one input table, as decoded: typed arrays where the format gives them. */
export type ColumnValues = ArrayLike<unknown>;

export interface TableColumns {
  readonly rowCount: number;
  /** Every column of the file, in file order. */
  readonly names: readonly string[];
  /** The requested columns that the file has. */
  readonly columns: ReadonlyMap<string, ColumnValues>;
}
