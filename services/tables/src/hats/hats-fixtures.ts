import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { pack } from 'tar-stream';

/** Test fixtures: HATS catalogs written with hyparquet-writer, packed as zip (python3's zipfile) or tar.gz. */

export type Members = [name: string, content: Buffer][];

/** Every file under `dir`, named by `prefix` + its path relative to `dir`. */
export function membersOf(dir: string, prefix: string): Members {
  const out: Members = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at).sort()) {
      const full = path.join(at, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push([prefix + path.relative(dir, full).split(path.sep).join('/'), readFileSync(full)]);
    }
  };
  walk(dir);
  return out;
}

/** A zip of the members, by python3's zipfile, which writes any member name given (`../x` included). */
export function writeZip(file: string, members: Members): void {
  const staging = `${file}.staging`;
  mkdirSync(staging, { recursive: true });
  const plan = members.map(([name, content], i) => {
    const source = path.join(staging, String(i));
    writeFileSync(source, content);
    return [name, source];
  });
  const script = 'import json,sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED) as z:\n  [z.write(s,n) for n,s in json.loads(sys.argv[2])]';
  execFileSync('python3', ['-c', script, file, JSON.stringify(plan)]);
}

export async function writeTarGz(file: string, members: Members): Promise<void> {
  const tar = pack();
  for (const [name, content] of members) tar.entry({ name }, content);
  tar.finalize();
  await pipeline(tar, createGzip(), createWriteStream(file));
}

/** One partition's rows: ids from `first`, positions inside its pixel not checked by the reader. */
export function partitionParquet(first: number, rows: number): Buffer {
  const ids = Array.from({ length: rows }, (_, i) => BigInt(first + i));
  return Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: '_healpix_29', data: BigInt64Array.from(ids), type: 'INT64' },
      { name: 'objid', data: BigInt64Array.from(ids), type: 'INT64' },
      { name: 'ra', data: Float64Array.from(ids, (id) => 10 + Number(id) / 10), type: 'DOUBLE' },
      { name: 'dec', data: Float64Array.from(ids, (id) => -20 - Number(id) / 10), type: 'DOUBLE' },
      { name: 'redshift', data: Float64Array.from(ids, (id) => 0.1 + Number(id) / 100), type: 'DOUBLE' },
    ],
  }));
}

export interface SyntheticPartition {
  readonly order: number;
  readonly pixel: number;
  readonly rows: number;
}

/**
 * A HATS catalog under `prefix`: properties, partition_info.csv, _common_metadata and the
 * partitions. `extraProperties` are appended to the properties, so they override the defaults
 * (`dataproduct_type=margin`, `hats_margin_threshold=5`...).
 */
export function syntheticCatalog(
  prefix: string,
  partitions: readonly SyntheticPartition[],
  options: { properties?: boolean; skipPartition?: number; extraProperties?: Readonly<Record<string, string>> } = {},
): Members {
  const total = partitions.reduce((n, p) => n + p.rows, 0);
  const members: Members = [];
  if (options.properties !== false) {
    const extra = Object.entries(options.extraProperties ?? {}).map(([key, value]) => `${key}=${value}\n`).join('');
    members.push([`${prefix}hats.properties`, Buffer.from(`#HATS catalog\nobs_collection=synthetic\ndataproduct_type=object\nhats_nrows=${total}\nhats_col_ra=ra\nhats_col_dec=dec\nhats_npix_suffix=.parquet\nhats_version=v1.0\n${extra}`)]);
  }
  members.push([`${prefix}partition_info.csv`, Buffer.from(`Norder,Npix\n${partitions.map((p) => `${p.order},${p.pixel}`).join('\n')}\n`)]);
  members.push([`${prefix}dataset/_common_metadata`, partitionParquet(0, 0)]);
  let first = 0;
  partitions.forEach((p, i) => {
    if (i !== options.skipPartition) members.push([`${prefix}dataset/Norder=${p.order}/Dir=${Math.floor(p.pixel / 10000) * 10000}/Npix=${p.pixel}.parquet`, partitionParquet(first, p.rows)]);
    first += p.rows;
  });
  return members;
}
