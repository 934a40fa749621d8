/** The largest id a PostgreSQL `integer` column holds. */
export const MAX_STORED_ID = 2_147_483_647;

/** Ids are PostgreSQL integers: a larger, non-integer or non-positive one names nothing, rather than failing the query (a 500). */
export const storableId = (id: number): boolean => Number.isSafeInteger(id) && id >= 1 && id <= MAX_STORED_ID;
