import type { CatalogColumns, CombinedCatalog } from './catalog-columns';

/** Codes of one catalog's dictionary remapped into the merged dictionary. */
function remap(names: readonly string[], merged: string[], index: Map<string, number>): Int32Array {
  const map = new Int32Array(names.length);
  names.forEach((name, i) => {
    let code = index.get(name);
    if (code === undefined) {
      code = merged.length;
      merged.push(name);
      index.set(name, code);
    }
    map[i] = code;
  });
  return map;
}

/** Stacks catalogs in input order (row numbers follow it, which makes ties deterministic). */
export function stackCatalogs(catalogs: readonly { readonly source: string; readonly columns: CatalogColumns }[]): CombinedCatalog {
  const rowCount = catalogs.reduce((n, c) => n + c.columns.rowCount, 0);
  const id = new Array<string | null>(rowCount);
  const ra = new Float64Array(rowCount);
  const dec = new Float64Array(rowCount);
  const z = new Float64Array(rowCount);
  const zFlag = new Float64Array(rowCount);
  const zErr = new Float64Array(rowCount);
  const surveyCode = new Int32Array(rowCount);
  const zFlagHomogenized = new Int8Array(rowCount);
  const instrumentTypeCode = new Int8Array(rowCount);
  const sourceCode = new Uint16Array(rowCount);
  const surveyNames: string[] = [];
  const surveyIndex = new Map<string, number>();
  const instrumentTypes: string[] = [];
  const typeIndex = new Map<string, number>();
  let offset = 0;
  catalogs.forEach(({ columns: c }, source) => {
    ra.set(c.ra, offset);
    dec.set(c.dec, offset);
    z.set(c.z, offset);
    zFlag.set(c.zFlag, offset);
    zErr.set(c.zErr, offset);
    zFlagHomogenized.set(c.zFlagHomogenized, offset);
    sourceCode.fill(source, offset, offset + c.rowCount);
    const surveyMap = remap(c.surveyNames, surveyNames, surveyIndex);
    const typeMap = remap(c.instrumentTypes, instrumentTypes, typeIndex);
    for (let i = 0; i < c.rowCount; i++) {
      id[offset + i] = c.id[i] ?? null;
      const s = c.surveyCode[i] ?? -1;
      surveyCode[offset + i] = s < 0 ? -1 : (surveyMap[s] ?? -1);
      const t = c.instrumentTypeCode[i] ?? -1;
      instrumentTypeCode[offset + i] = t < 0 ? -1 : (typeMap[t] ?? -1);
    }
    offset += c.rowCount;
  });
  return {
    rowCount,
    id,
    ra,
    dec,
    z,
    zFlag,
    zErr,
    surveyCode,
    surveyNames,
    zFlagHomogenized,
    instrumentTypeCode,
    instrumentTypes,
    sourceCode,
    sources: catalogs.map((c) => c.source),
  };
}
