import { describe, expect, it } from 'vitest';
import { cleanFileName, extensionOf } from './file-name';
import { chooseMediaType } from './media-type';

describe('extensionOf: multi-part and case-insensitive, as the reference server records it', () => {
  it.each([
    ['catalog.csv', '.csv'],
    ['catalog.tar.gz', '.tar.gz'],
    ['CATALOG.FITS.GZ', '.fits.gz'],
    ['Catalog.CSV', '.csv'],
    ['sample.csv.bz2', '.csv.bz2'],
    ['image.fits.fz', '.fits.fz'],
    ['archive.tgz', '.tgz'],
    ['notes.gz', '.gz'],
    ['release.v2.gz', '.gz'],
    ['my.data.v2.csv', '.csv'],
    ['.bashrc', ''],
    ['.config.gz', '.gz'],
    ['README', ''],
    ['..gz', ''],
  ])('%s → "%s"', (name, extension) => {
    expect(extensionOf(name)).toBe(extension);
  });

  it('is what an upload records, and the media type follows the compression', () => {
    expect(cleanFileName('../x/catalog.tar.gz')).toEqual({ name: 'catalog.tar.gz', extension: '.tar.gz' });
    expect(chooseMediaType(undefined, 'text/plain', '.tar.gz')).toBe('application/gzip');
    expect(chooseMediaType(undefined, 'text/plain', '.fits.gz')).toBe('application/gzip');
    expect(chooseMediaType(undefined, 'text/plain', '.fits')).toBe('application/fits');
  });
});
