import { describe, expect, it } from 'vitest';
import { angularSeparation, findSkyPairs } from './find-sky-pairs';

const ARCSEC = 1 / 3600;
const DEG = Math.PI / 180;

function pairsOf(points: readonly (readonly [number, number])[], radiusArcsec = 0.5): string[] {
  const found: string[] = [];
  findSkyPairs({ ra: Float64Array.from(points, (p) => p[0]), dec: Float64Array.from(points, (p) => p[1]) }, radiusArcsec, (a, b) => found.push(`${a}-${b}`));
  return found.sort();
}

/** The point `separation` degrees from (ra, dec) towards position angle `angle` (radians from north). */
function offset(ra: number, dec: number, separation: number, angle: number): [number, number] {
  const d = dec * DEG;
  const s = separation * DEG;
  const dec2 = Math.asin(Math.sin(d) * Math.cos(s) + Math.cos(d) * Math.sin(s) * Math.cos(angle));
  const ra2 = ra * DEG + Math.atan2(Math.sin(angle) * Math.sin(s) * Math.cos(d), Math.cos(s) - Math.sin(d) * Math.sin(dec2));
  return [(((ra2 / DEG) % 360) + 360) % 360, dec2 / DEG];
}

describe('crossmatch within a radius', () => {
  it.each([
    ['on the equator', 150, 2],
    ['across RA 0/360', 359.99999, -30],
    ['across RA 0/360 the other way', 0.000001, 10],
    ['near the north pole', 42, 89.99995],
    ['near the south pole', 200, -89.9999],
    ['at high declination', 10, 80],
  ])('%s: 0.49″ matches and 0.51″ does not, in every direction', (_, ra, dec) => {
    for (const angle of [0, 0.7, Math.PI / 2, 2.5, Math.PI, 4, (3 * Math.PI) / 2, 5.9]) {
      const near = offset(ra, dec, 0.49 * ARCSEC, angle);
      const far = offset(ra, dec, 0.51 * ARCSEC, angle);
      expect(angularSeparation(ra, dec, near[0], near[1]) / ARCSEC).toBeCloseTo(0.49, 4);
      expect(pairsOf([[ra, dec], near]), `angle ${angle}`).toEqual(['0-1']);
      expect(pairsOf([[ra, dec], far]), `angle ${angle}`).toEqual([]);
    }
  });

  it('matches across the pole, where RA means little', () => {
    expect(pairsOf([[0, 89.99999], [180, 89.99999]])).toEqual(['0-1']);
    expect(pairsOf([[90, -89.99999], [270, -89.99999]])).toEqual(['0-1']);
    expect(pairsOf([[0, 89.9999], [180, 89.9999]])).toEqual([]);
  });

  it('reports each pair once, within and across inputs, and leaves out excluded rows', () => {
    const points: [number, number][] = [[10, 10], [10 + 0.1 * ARCSEC, 10], [10, 10 + 0.2 * ARCSEC], [11, 11]];
    expect(pairsOf(points)).toEqual(['0-1', '0-2', '1-2']);
    const found: string[] = [];
    findSkyPairs({ ra: Float64Array.from(points, (p) => p[0]), dec: Float64Array.from(points, (p) => p[1]), include: Uint8Array.from([1, 0, 1, 1]) }, 0.5, (a, b) => found.push(`${a}-${b}`));
    expect(found).toEqual(['0-2']);
  });

  it('finds exactly the pairs a brute-force comparison finds (dense random field over RA 0 and a pole cap)', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    const points: [number, number][] = [];
    for (let i = 0; i < 2400; i++) {
      const region = i % 3;
      if (region === 0) points.push([(360 + (random() - 0.5) * 0.002) % 360, (random() - 0.5) * 0.002]);
      else if (region === 1) points.push([random() * 360, 90 - random() * 0.0005]);
      else points.push([45 + random() * 0.001, -60 + random() * 0.001]);
    }
    const brute: string[] = [];
    for (let a = 0; a < points.length; a++) {
      for (let b = a + 1; b < points.length; b++) {
        const [ra1, dec1] = points[a] as [number, number];
        const [ra2, dec2] = points[b] as [number, number];
        if (angularSeparation(ra1, dec1, ra2, dec2) <= 2 * ARCSEC) brute.push(`${a}-${b}`);
      }
    }
    expect(brute.length).toBeGreaterThan(100);
    expect(pairsOf(points, 2)).toEqual(brute.sort());
  });
});
