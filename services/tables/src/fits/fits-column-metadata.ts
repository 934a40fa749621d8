import type { FitsHeader } from './fits-header';

/**
 * What a FITS table header says of field `index` (0-based) beside its name and format: TUNITn,
 * and the widespread (not standard) TUCDn and TCOMMn. Blank values are left out.
 */
export function fitsColumnMetadata(header: FitsHeader, index: number): { unit?: string; ucd?: string; description?: string } {
  const read = (keyword: string): string | undefined => {
    const value = header.text(`${keyword}${index + 1}`)?.trim();
    return value ? value : undefined;
  };
  const unit = read('TUNIT');
  const ucd = read('TUCD');
  const description = read('TCOMM');
  return { ...(unit === undefined ? {} : { unit }), ...(ucd === undefined ? {} : { ucd }), ...(description === undefined ? {} : { description }) };
}
