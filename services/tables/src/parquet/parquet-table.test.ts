import { describe, expect, it } from 'vitest';
import { fixture, readContext } from '../test-support';
import { readParquetTable } from './parquet-table';

const read = (name: string, offset = 0, limit = 100) => readParquetTable(fixture(name), { offset, limit }, readContext(name));

describe('readParquetTable', () => {
  it('reads types, row count and JSON-safe values', async () => {
    const result = await read('small.parquet', 0, 5);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.nRows).toBe(12);
    expect(result.value.columns).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'big_id', type: 'int64' },
      { name: 'ra', type: 'float64' },
      { name: 'z', type: 'float64' },
      { name: 'flag', type: 'int32' },
      { name: 'name', type: 'string' },
      { name: 'good', type: 'bool' },
    ]);
    expect(result.value.rows[0]).toEqual({ id: 1, big_id: '9007199254740993', ra: 10, z: 0, flag: 0, name: 'obj0', good: true });
    // NaN and a true null both become null.
    expect(result.value.rows[3]?.z).toBeNull();
    expect(result.value.rows[4]?.z).toBeNull();
    expect(result.value.details).toEqual({ row_groups: 2 });
  });

  it('reads a window that crosses a row-group boundary', async () => {
    const result = await read('small.parquet', 6, 4);
    expect(result.ok && result.value.rows.map((row) => row['id'])).toEqual([7, 8, 9, 10]);
  });

  it('returns no rows past the end', async () => {
    const result = await read('small.parquet', 50, 10);
    expect(result.ok && result.value.rows).toEqual([]);
  });

  it('reports a truncated footer, a corrupt footer and a non-Parquet file', async () => {
    const truncated = await read('truncated-footer.parquet');
    expect(!truncated.ok && truncated.error.code).toBe('TABLE_TRUNCATED');
    expect(!truncated.ok && truncated.error.message).toContain('footer');
    const corrupt = await read('corrupt-footer.parquet');
    expect(!corrupt.ok && corrupt.error.code).toBe('TABLE_UNREADABLE');
    expect(!corrupt.ok && corrupt.error.message).toContain('Parquet footer');
    const foreign = await read('not-parquet.parquet');
    expect(!foreign.ok && foreign.error.message).toContain('PAR1');
  });

  it('gives up on pages whose decoding would not end, instead of hanging', async () => {
    const started = Date.now();
    const result = await readParquetTable(
      fixture('hostile-page-header.parquet'),
      { offset: 0, limit: 10 },
      { ...readContext('hostile-page-header.parquet'), decodeTimeoutMs: 1500 },
    );
    expect(!result.ok && result.error.code).toBe('TABLE_UNREADABLE');
    expect(!result.ok && result.error.message).toContain('corrupt');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
