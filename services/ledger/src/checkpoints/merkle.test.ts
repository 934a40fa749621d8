import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inclusionProof, leafHash, merkleRoot, nodeHash, rootFromInclusionProof } from './merkle';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

describe('Merkle tree (RFC 6962)', () => {
  it('hashes the empty tree, one leaf and an unbalanced tree as the RFC defines them', () => {
    expect(merkleRoot([]).toString('hex')).toBe(createHash('sha256').digest('hex'));
    const [a, b, c] = leaves(3) as [Buffer, Buffer, Buffer];
    expect(merkleRoot([a])).toEqual(a);
    // 3 leaves split at 2: ((a b) c), not (a (b c)).
    expect(merkleRoot([a, b, c])).toEqual(nodeHash(nodeHash(a, b), c));
    expect(leafHash(Buffer.from('x'))).toEqual(createHash('sha256').update(Buffer.from([0])).update('x').digest());
  });

  it('gives an audit path that leads back to the root for every leaf of trees of 1 to 33 leaves, and to no other root', () => {
    for (let n = 1; n <= 33; n++) {
      const tree = leaves(n);
      const root = merkleRoot(tree);
      for (let i = 0; i < n; i++) {
        const path = inclusionProof(tree, i);
        expect(rootFromInclusionProof(i, n, tree[i] as Buffer, path)).toEqual(root);
        // Another leaf, another index or a wrong size does not reach this root.
        if (n > 1) {
          expect(rootFromInclusionProof(i, n, tree[(i + 1) % n] as Buffer, path)).not.toEqual(root);
          expect(rootFromInclusionProof((i + 1) % n, n, tree[i] as Buffer, path)).not.toEqual(root);
        }
      }
    }
  });

  it('refuses a leaf outside the tree', () => {
    expect(() => inclusionProof(leaves(3), 3)).toThrow(RangeError);
    expect(rootFromInclusionProof(3, 3, leaves(1)[0] as Buffer, [])).toBeNull();
  });
});
