import { describe, expect, it } from 'vitest';
import { EVENT_CATALOGUE } from '@pz/contracts';
import { EVENT_TYPES, auditQuery, utcInstant } from '../../web/src/lib/audit';
import { changeLines, eventLabel, type ProductDiff } from '../../web/src/lib/history';
import { NODE_HEIGHT, layoutGraph, type GraphEdge, type GraphNode } from '../../web/src/lib/provenance';

const node = (id: number): GraphNode => ({ node_id: `product-${id}`, redacted: false, depth: 0, product_id: id, internal_name: `${id}_p`, display_name: `P${id}`, product_type: 'training_set', owner: 'alice', official_product: false, status: 1 });
const edge = (from: string, to: string): GraphEdge => ({ from, to, relation: 'wasDerivedFrom', via: 'declared', run_id: null });
const empty: ProductDiff = { fields: {}, files_added: [], files_removed: [], columns: [], shares_added: [], shares_revoked: [] };

describe('the portal\'s history, provenance and audit helpers', () => {
  it('lays ancestors above every product derived from them and descendants below, by longest path', () => {
    // D derives from C and A, C from B, B from A; E derives from D; the focus is D.
    const nodes = [1, 2, 3, 4, 5].map(node);
    const edges = [edge('product-2', 'product-1'), edge('product-3', 'product-2'), edge('product-4', 'product-3'), edge('product-4', 'product-1'), edge('product-5', 'product-4')];
    const layout = layoutGraph({ nodes, edges }, 'product-4');
    const layerOf = (id: number) => layout.nodes.find((n) => n.node.node_id === `product-${id}`)?.layer;
    expect([1, 2, 3, 4, 5].map(layerOf)).toEqual([-3, -2, -1, 0, 1]);
    // Every edge runs downwards, from the parent's bottom to the child's top.
    for (const e of layout.edges) expect(e.y2).toBeGreaterThan(e.y1);
    expect(layout.edges).toHaveLength(5);
    expect(layout.height).toBeGreaterThan(5 * NODE_HEIGHT);
  });

  it('places a redacted parent beside a visible one, and nodes of one layer apart', () => {
    const redacted: GraphNode = { node_id: 'redacted-1', redacted: true, depth: 1 };
    const layout = layoutGraph({ nodes: [node(7), node(8), redacted], edges: [edge('product-8', 'product-7'), edge('product-8', 'redacted-1')] }, 'product-8');
    const [a, b] = layout.nodes.filter((n) => n.layer === -1);
    expect(a && b && Math.abs(a.x - b.x)).toBeGreaterThan(100);
    expect(layout.nodes.find((n) => n.node.node_id === 'product-8')?.layer).toBe(0);
  });

  it('says what an event changed: fields old → new, files with hash prefixes, column roles, shares', () => {
    const diff: ProductDiff = {
      ...empty,
      fields: { display_name: { from: 'Old', to: 'New' }, official_product: { from: false, to: true }, status: { from: 0, to: 1 } },
      files_added: [{ file_id: 1, role: 0, name: 'cat.csv', mime_type: 'text/csv', size: 3, sha256: 'abcdef0123456789'.repeat(4), stored: true }],
      columns: [{ name: 'z', from: { ucd: null, alias: null }, to: { ucd: 'src.redshift', alias: 'z' } }],
      shares_added: [{ share_id: 's1', expires_at: null }],
      shares_revoked: ['s0'],
    };
    expect(changeLines(diff).map((l) => (l.from === undefined ? l.label : `${l.label}: ${l.from} → ${l.to}`))).toEqual([
      'Name: Old → New', 'Official: no → yes', 'Status: Registering → Published',
      'File added: cat.csv (main, sha256 abcdef012345…)', 'Column z: no role → z', 'Share link created', 'Share link revoked',
    ]);
    expect(eventLabel('ProductMetadataEdited')).toBe('Product metadata edited');
    // A registration: the values it set, without a "before".
    const registered = changeLines({ ...empty, fields: { display_name: { from: null, to: 'First' }, owner_id: { from: null, to: 3 }, derived_from: { from: null, to: [1, 2] } } });
    expect(registered.map((l) => [l.label, l.from])).toEqual([['Name: First', undefined], ['Owner id: 3', undefined], ['Derived from: #1, #2', undefined]]);
  });

  it('knows every event type of the contracts and builds the audit query in UTC', () => {
    expect([...EVENT_TYPES].sort()).toEqual(EVENT_CATALOGUE.map((e) => e.type).sort());
    expect(utcInstant('2026-01-02T03:04')).toBe('2026-01-02T03:04:00.000Z');
    expect(auditQuery({ actor: ' bob ', type: 'ProductDeleted, ProductShared', product: '', since: '2026-01-02T03:04', until: '' }, { format: 'csv' }))
      .toBe('?actor=bob&type=ProductDeleted%2CProductShared&since=2026-01-02T03%3A04%3A00.000Z&format=csv');
  });
});
