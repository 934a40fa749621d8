/**
 * Every pair of positions closer than a radius, with the zones algorithm (Gray, Nieto-Santisteban
 * & Szalay 2007): the sky is cut into declination zones as tall as the radius, rows are sorted by
 * zone then right ascension, and each row is compared only with the rows of its own zone and the
 * next one whose right ascension lies within the radius widened by 1/cos(dec). Cost is
 * O(n log n) for the sort plus the candidates actually near each row. RA wraps at 0/360; zones
 * that touch a pole compare all their rows, since there any RA can be close.
 */

const DEG = Math.PI / 180;

export interface SkyPositions {
  /** Degrees; any value, wrapped into [0, 360). */
  readonly ra: Float64Array;
  /** Degrees in [-90, 90]; rows outside (or NaN) never match. */
  readonly dec: Float64Array;
  /** When given, only rows with a non-zero entry take part. */
  readonly include?: Uint8Array;
}

/** Half-width in RA (degrees) that holds every point within `radius` of a point at `dec`. */
export function raHalfWidth(decDegrees: number, radiusDegrees: number): number {
  const nearestPole = Math.abs(decDegrees) + radiusDegrees;
  if (nearestPole >= 90) return 180;
  const ratio = Math.sin(radiusDegrees * DEG) / Math.cos(nearestPole * DEG);
  if (ratio >= 1) return 180;
  // A little more than the exact width, so that rounding never loses a pair at the edge.
  return Math.min(180, Math.asin(ratio) / DEG * (1 + 1e-9) + 1e-12);
}

/** Angular separation in degrees (haversine: accurate at sub-arcsecond scales). */
export function angularSeparation(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const sinDDec = Math.sin(((dec2 - dec1) * DEG) / 2);
  const sinDRa = Math.sin(((ra2 - ra1) * DEG) / 2);
  const h = sinDDec * sinDDec + Math.cos(dec1 * DEG) * Math.cos(dec2 * DEG) * sinDRa * sinDRa;
  return (2 * Math.asin(Math.min(1, Math.sqrt(h)))) / DEG;
}

interface ZoneIndex {
  /** Row numbers, sorted by zone then RA. */
  readonly order: Uint32Array;
  /** Per sorted position: wrapped RA, dec, and cos(dec) (for the distance test). */
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  readonly cosDec: Float64Array;
  /** Sorted positions of zone firstZone + z are [zoneStart[z], zoneStart[z + 1]). */
  readonly zoneStart: Uint32Array;
  /** Zone z covers declinations from -90 + z × height. */
  readonly firstZone: number;
}

const wrapRa = (ra: number): number => {
  const wrapped = ra % 360;
  return wrapped < 0 ? wrapped + 360 : wrapped;
};

function buildZoneIndex(positions: SkyPositions, zoneHeight: number): ZoneIndex {
  const { ra, dec, include } = positions;
  const lastZone = Math.ceil(180 / zoneHeight);
  // Zones are numbered from the lowest occupied one, so that arrays cover only the occupied band.
  const absoluteZone = new Int32Array(ra.length);
  let firstOccupied = lastZone;
  let lastOccupied = 0;
  let kept = 0;
  for (let i = 0; i < ra.length; i++) {
    const d = dec[i] ?? Number.NaN;
    const r = ra[i] ?? Number.NaN;
    if ((include && !include[i]) || !(d >= -90 && d <= 90) || !Number.isFinite(r)) {
      absoluteZone[i] = -1;
      continue;
    }
    const zone = Math.min(lastZone, Math.floor((d + 90) / zoneHeight));
    absoluteZone[i] = zone;
    if (zone < firstOccupied) firstOccupied = zone;
    if (zone > lastOccupied) lastOccupied = zone;
    kept++;
  }
  const zoneCount = kept === 0 ? 0 : lastOccupied - firstOccupied + 1;
  const zoneStart = new Uint32Array(zoneCount + 1);
  for (let i = 0; i < ra.length; i++) {
    const zone = absoluteZone[i] ?? -1;
    if (zone >= 0) zoneStart[zone - firstOccupied + 1] = (zoneStart[zone - firstOccupied + 1] ?? 0) + 1;
  }
  for (let z = 0; z < zoneCount; z++) zoneStart[z + 1] = (zoneStart[z] ?? 0) + (zoneStart[z + 1] ?? 0);
  const fill = zoneStart.slice(0, zoneCount);
  const order = new Uint32Array(kept);
  for (let i = 0; i < ra.length; i++) {
    const zone = absoluteZone[i] ?? -1;
    if (zone < 0) continue;
    order[fill[zone - firstOccupied]!++] = i;
  }
  const wrapped = new Float64Array(ra.length);
  for (let i = 0; i < ra.length; i++) wrapped[i] = wrapRa(ra[i] ?? 0);
  for (let z = 0; z < zoneCount; z++) {
    const start = zoneStart[z] ?? 0;
    const end = zoneStart[z + 1] ?? 0;
    if (end - start > 1) order.subarray(start, end).sort((a, b) => (wrapped[a] ?? 0) - (wrapped[b] ?? 0) || a - b);
  }
  const sortedRa = new Float64Array(kept);
  const sortedDec = new Float64Array(kept);
  const cosDec = new Float64Array(kept);
  for (let p = 0; p < kept; p++) {
    const row = order[p] ?? 0;
    sortedRa[p] = wrapped[row] ?? 0;
    sortedDec[p] = dec[row] ?? 0;
    cosDec[p] = Math.cos((dec[row] ?? 0) * DEG);
  }
  return { order, ra: sortedRa, dec: sortedDec, cosDec, zoneStart, firstZone: firstOccupied };
}

/** First sorted position in [start, end) whose RA is >= value. */
function lowerBound(ra: Float64Array, start: number, end: number, value: number): number {
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ra[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Calls `onPair(rowA, rowB)` once for every unordered pair of rows at most `radiusArcsec` apart
 * (rowA < rowB). Pure apart from the callback.
 */
export function findSkyPairs(positions: SkyPositions, radiusArcsec: number, onPair: (rowA: number, rowB: number) => void): void {
  if (!(radiusArcsec > 0)) return;
  const radius = radiusArcsec / 3600;
  const index = buildZoneIndex(positions, radius);
  const { order, ra, dec, cosDec, zoneStart, firstZone } = index;
  const sinHalfRadius = Math.sin((radius * DEG) / 2);
  const limit = sinHalfRadius * sinHalfRadius;
  const zoneCount = zoneStart.length - 1;

  const test = (p: number, q: number): void => {
    const sinDDec = Math.sin((((dec[q] ?? 0) - (dec[p] ?? 0)) * DEG) / 2);
    const sinDRa = Math.sin((((ra[q] ?? 0) - (ra[p] ?? 0)) * DEG) / 2);
    const h = sinDDec * sinDDec + (cosDec[p] ?? 0) * (cosDec[q] ?? 0) * sinDRa * sinDRa;
    if (h <= limit) {
      const a = order[p] ?? 0;
      const b = order[q] ?? 0;
      if (a < b) onPair(a, b);
      else onPair(b, a);
    }
  };
  const scan = (p: number, from: number, to: number, raMax: number): void => {
    for (let q = from; q < to && (ra[q] ?? 0) <= raMax; q++) test(p, q);
  };

  for (let zone = 0; zone < zoneCount; zone++) {
    const start = zoneStart[zone] ?? 0;
    const end = zoneStart[zone + 1] ?? 0;
    const nextStart = end;
    const nextEnd = zone + 1 < zoneCount ? (zoneStart[zone + 2] ?? end) : end;
    if (start === end) continue;
    // Decided for the whole zone, so that two rows of one zone never both report their pair.
    const absolute = firstZone + zone;
    const polewardEdge = Math.min(90, Math.max(Math.abs(absolute * radius - 90), Math.abs((absolute + 1) * radius - 90)));
    // One RA window for the zone, wide enough for its pole-ward edge (so for every row in it).
    const width = raHalfWidth(polewardEdge, radius);
    const zoneTouchesPole = width >= 180;
    for (let p = start; p < end; p++) {
      const a = ra[p] ?? 0;
      if (zoneTouchesPole) {
        for (let q = p + 1; q < end; q++) test(p, q);
      } else {
        // Own zone: rows after p (larger RA), then those past 360 that wrap to small RA.
        scan(p, p + 1, end, a + width);
        if (a + width >= 360) scan(p, start, p, a + width - 360);
      }
      if (width >= 180) {
        for (let q = nextStart; q < nextEnd; q++) test(p, q);
      } else if (nextEnd > nextStart) {
        // Next zone: the RA window around p, split where it crosses 0/360.
        const low = a - width;
        const high = a + width;
        scan(p, lowerBound(ra, nextStart, nextEnd, Math.max(0, low)), nextEnd, Math.min(high, 360));
        if (low < 0) scan(p, lowerBound(ra, nextStart, nextEnd, low + 360), nextEnd, 360);
        if (high >= 360) scan(p, nextStart, nextEnd, high - 360);
      }
    }
  }
}
