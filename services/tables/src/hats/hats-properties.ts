/** A HATS `properties` / `hats.properties` / `collection.properties` file: Java properties, `key=value` lines. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at <= 0) continue;
    properties.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return properties;
}

/** One HEALPix partition of a HATS catalog. */
export interface HatsPartition {
  readonly order: number;
  readonly pixel: number;
}

/** `partition_info.csv`: a header naming `Norder` and `Npix` (other columns, such as `Dir`, ignored). */
export function parsePartitionInfo(text: string): HatsPartition[] | string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const orderAt = header.indexOf('Norder');
  const pixelAt = header.indexOf('Npix');
  if (orderAt < 0 || pixelAt < 0) return 'partition_info.csv has no Norder and Npix columns';
  const partitions: HatsPartition[] = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const cells = line.split(',');
    const order = Number(cells[orderAt]);
    const pixel = Number(cells[pixelAt]);
    if (!Number.isInteger(order) || !Number.isInteger(pixel) || order < 0 || order > 29 || pixel < 0 || pixel >= 12 * 4 ** order) {
      return `partition_info.csv line ${i + 2} is not a HEALPix partition (Norder ${cells[orderAt] ?? '?'}, Npix ${cells[pixelAt] ?? '?'})`;
    }
    partitions.push({ order, pixel });
  }
  return partitions;
}

/** Where hats-import writes a partition: `dataset/Norder=K/Dir=D/Npix=N.parquet`, D = N rounded down to 10,000s. */
export const partitionPath = ({ order, pixel }: HatsPartition, suffix = '.parquet'): string =>
  `dataset/Norder=${order}/Dir=${Math.floor(pixel / 10_000) * 10_000}/Npix=${pixel}${suffix}`;
