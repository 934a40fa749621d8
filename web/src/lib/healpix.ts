/**
 * Just enough HEALPix (nested scheme) to draw a HATS catalog's partitions on a sky map: a
 * pixel's centre and its outline, as (RA, Dec) in degrees. Follows the HEALPix papers' face
 * layout (Górski et al. 2005): twelve base faces, each split into nside × nside pixels whose
 * nested index interleaves the bits of the pixel's (x, y) on its face.
 */

export interface SkyPoint {
  readonly ra: number;
  readonly dec: number;
}

/** Ring of each base face's south corner, in units of nside (1 north, 2 equator, 3 south). */
const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4] as const;
/** Longitude of each base face's centre, in units of π/4. */
const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7] as const;

/** Every other bit of `v` (bits 0, 2, 4 …) packed together. */
function compactBits(v: bigint): bigint {
  let out = 0n;
  for (let bit = 0n; v > 0n; bit++) {
    out |= (v & 1n) << bit;
    v >>= 2n;
  }
  return out;
}

/** The face and the pixel's (x, y) on it, for a nested index at `order` (nside = 2^order). */
export function nestToFace(order: number, pixel: bigint | number): { face: number; x: bigint; y: bigint } {
  const p = BigInt(pixel);
  const perFace = 1n << BigInt(2 * order);
  if (order < 0 || order > 29 || p < 0n || p >= 12n * perFace) throw new RangeError(`no HEALPix pixel ${p} at order ${order}`);
  const face = Number(p / perFace);
  const inFace = p % perFace;
  return { face, x: compactBits(inFace), y: compactBits(inFace >> 1n) };
}

/** A point of a face given by face coordinates x, y in [0, 1] (0,0 its south corner), in degrees. */
function facePoint(face: number, x: number, y: number): SkyPoint {
  const jr = (JRLL[face] ?? 0) - x - y;
  let z: number;
  let nr: number;
  if (jr < 1) {
    nr = jr;
    z = 1 - (nr * nr) / 3;
  } else if (jr > 3) {
    nr = 4 - jr;
    z = (nr * nr) / 3 - 1;
  } else {
    nr = 1;
    z = ((2 - jr) * 2) / 3;
  }
  let t = (JPLL[face] ?? 0) * nr + x - y;
  if (t < 0) t += 8;
  if (t >= 8) t -= 8;
  const phi = nr < 1e-15 ? 0 : ((Math.PI / 4) * t) / nr;
  return { ra: (phi * 180) / Math.PI, dec: (Math.asin(Math.max(-1, Math.min(1, z))) * 180) / Math.PI };
}

/** The centre of a pixel. */
export function pixelCenter(order: number, pixel: bigint | number): SkyPoint {
  const { face, x, y } = nestToFace(order, pixel);
  const nside = 2 ** order;
  return facePoint(face, (Number(x) + 0.5) / nside, (Number(y) + 0.5) / nside);
}

/**
 * The outline of a pixel, `step` points per edge (its edges are curves on the sky), going round
 * from its east corner: north, west, south.
 */
export function pixelOutline(order: number, pixel: bigint | number, step = 4): SkyPoint[] {
  const { face, x, y } = nestToFace(order, pixel);
  const nside = 2 ** order;
  const x0 = Number(x) / nside;
  const y0 = Number(y) / nside;
  const d = 1 / nside;
  const points: SkyPoint[] = [];
  for (let i = 0; i < step; i++) points.push(facePoint(face, x0 + d - (i * d) / step, y0 + d));
  for (let i = 0; i < step; i++) points.push(facePoint(face, x0, y0 + d - (i * d) / step));
  for (let i = 0; i < step; i++) points.push(facePoint(face, x0 + (i * d) / step, y0));
  for (let i = 0; i < step; i++) points.push(facePoint(face, x0 + d, y0 + (i * d) / step));
  return points;
}

/** Area of one pixel at `order`, in square degrees (every pixel of an order has the same). */
export const pixelAreaDeg2 = (order: number): number => (4 * Math.PI * (180 / Math.PI) ** 2) / (12 * 4 ** order);
