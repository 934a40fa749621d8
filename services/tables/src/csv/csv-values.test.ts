import { describe, expect, it } from 'vitest';
import { convertCsvValue, inferColumnTypes } from './csv-values';

describe('inferColumnTypes', () => {
  it('finds int, float, bool and string columns, ignoring missing values', () => {
    const rows = [
      ['1', '0.5', 'true', 'a', ''],
      ['2', '1', 'FALSE', '3', ''],
      ['', 'nan', '', 'b', ''],
      ['4', '1.5D+02', 'true', 'c', 'NA'],
    ];
    expect(inferColumnTypes(rows, 5)).toEqual(['int', 'float', 'bool', 'string', 'string']);
  });

  it('widens int to float and mixed kinds to string', () => {
    expect(inferColumnTypes([['1', '1'], ['2.5', 'true']], 2)).toEqual(['float', 'string']);
  });
});

describe('convertCsvValue', () => {
  it('converts by column type and maps missing or non-finite values to null', () => {
    expect(convertCsvValue(' 42 ', 'int')).toBe(42);
    expect(convertCsvValue('12345678901234567890', 'int')).toBe('12345678901234567890');
    expect(convertCsvValue('1.5e3', 'float')).toBe(1500);
    expect(convertCsvValue('2.0D-1', 'float')).toBe(0.2);
    expect(convertCsvValue('inf', 'float')).toBeNull();
    expect(convertCsvValue('', 'string')).toBeNull();
    expect(convertCsvValue('True', 'bool')).toBe(true);
    expect(convertCsvValue('oops', 'float')).toBe('oops');
  });
});
