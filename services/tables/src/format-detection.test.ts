import { describe, expect, it } from 'vitest';
import { detectFormat } from './format-detection';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('detectFormat', () => {
  it('trusts magic bytes over the file name', () => {
    expect(detectFormat(bytes('PAR1....'), 'catalog.csv')).toBe('parquet');
    expect(detectFormat(bytes('SIMPLE  =                    T'), 'x.txt')).toBe('fits');
    expect(detectFormat(Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), 'x.csv')).toBe('hdf5');
    expect(detectFormat(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]), 'x.csv')).toBe('zip');
    expect(detectFormat(Uint8Array.from([0x1f, 0x8b, 8]), 'x.csv')).toBe('gzip');
  });

  it('finds an HDF5 signature after a user block', () => {
    const head = new Uint8Array(1024);
    head.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
    expect(detectFormat(head, 'data.bin')).toBe('hdf5');
  });

  it('finds a tar by its ustar marker', () => {
    const head = new Uint8Array(512);
    head.set(bytes('ustar'), 257);
    expect(detectFormat(head, 'bundle')).toBe('tar');
  });

  it('finds a VOTable by its root element, after a declaration and comments, namespaced or not', () => {
    expect(detectFormat(bytes('<?xml version="1.0"?>\n<!-- astropy -->\n<VOTABLE version="1.4">'), 'result.dat')).toBe('votable');
    expect(detectFormat(bytes('<vot:VOTABLE xmlns:vot="x">'), 'noext')).toBe('votable');
    expect(detectFormat(bytes('<?xml version="1.0"?><html>'), 'page.txt')).toBe('csv');
    expect(detectFormat(bytes('anything'), 'cone.vot')).toBe('votable');
  });

  it('falls back to the extension, then to CSV', () => {
    expect(detectFormat(bytes('garbage'), 'broken.parquet')).toBe('parquet');
    expect(detectFormat(bytes('garbage'), 'broken.FITS')).toBe('fits');
    expect(detectFormat(bytes('garbage'), 'x.hdf5')).toBe('hdf5');
    expect(detectFormat(bytes('garbage'), 'x.tgz')).toBe('gzip');
    expect(detectFormat(bytes('id,z\n1,0.5\n'), 'catalog.txt')).toBe('csv');
  });
});
