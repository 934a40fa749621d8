import { comparePositions, type RecordedEvent } from '@pz/contracts';
import { asPzEvent } from '../history/as-of';
import { contentHash, evolveSnapshot, type ProductSnapshot } from '../history/product-snapshot';
import type { GraphRun } from './provenance-graph';

/** A PROV-JSON document (W3C Member Submission, 2013): maps of identified records by kind. */
export type ProvJson = {
  prefix: Record<string, string>;
  entity: Record<string, Record<string, ProvValue>>;
  activity: Record<string, Record<string, ProvValue>>;
  agent: Record<string, Record<string, ProvValue>>;
  wasGeneratedBy: Record<string, Record<string, ProvValue>>;
  used: Record<string, Record<string, ProvValue>>;
  wasDerivedFrom: Record<string, Record<string, ProvValue>>;
  wasAttributedTo: Record<string, Record<string, ProvValue>>;
  wasAssociatedWith: Record<string, Record<string, ProvValue>>;
};
type ProvValue = string | number | boolean | { $: string; type: string } | ProvValue[];

export interface ProvInput {
  readonly namespace: string;
  /** Products the viewer may see, each with its stream's events. */
  readonly products: ReadonlyMap<number, readonly RecordedEvent[]>;
  /** Every product on the lineage (visible or not) → its node id (`product-<id>` or `redacted-<n>`). */
  readonly nodeIds: ReadonlyMap<number, string>;
  /** Derivation edges between products (child → parent). */
  readonly edges: readonly { readonly productId: number; readonly parentId: number; readonly runId: string | null }[];
  /** Runs whose output the viewer may see, with used/generated as node ids. */
  readonly runs: readonly GraphRun[];
  /** User id → username, for agents. */
  readonly users: ReadonlyMap<number, string>;
}

const qualifiedName = (local: string) => ({ $: `pz:${local}`, type: 'prov:QUALIFIED_NAME' });
const PERSON = { $: 'prov:Person', type: 'prov:QUALIFIED_NAME' };

interface Version {
  readonly id: string;
  readonly position: RecordedEvent['position'];
}

/**
 * The lineage as PROV: each product version (the product after one of its events) is an
 * entity with its content hash; each event is an activity (upload, edit, ...) that used the
 * version before and generated the one after; pipeline runs are activities that used their
 * inputs and generated their output; users are agents. A product the viewer may not see is one
 * entity, `pz:redacted-<n>`, with no attributes but its type.
 */
export function provJson(input: ProvInput): ProvJson {
  const doc: ProvJson = {
    prefix: { pz: input.namespace, xsd: 'http://www.w3.org/2001/XMLSchema#' },
    entity: {}, activity: {}, agent: {}, wasGeneratedBy: {}, used: {}, wasDerivedFrom: {}, wasAttributedTo: {}, wasAssociatedWith: {},
  };
  let relation = 0;
  const rel = (kind: keyof ProvJson, body: Record<string, ProvValue>) => {
    (doc[kind] as Record<string, Record<string, ProvValue>>)[`_:${kind}${(relation += 1)}`] = body;
  };
  const agentOf = (userId: number | null, username: string | null): string | null => {
    if (userId === null) return null;
    const id = `pz:user-${userId}`;
    doc.agent[id] ??= { 'prov:type': PERSON, 'prov:label': username ?? input.users.get(userId) ?? `user ${userId}` };
    return id;
  };

  const versions = new Map<number, Version[]>();
  for (const [productId, events] of input.products) {
    let state: ProductSnapshot | null = null;
    let previous: Version | null = null;
    const list: Version[] = [];
    for (const event of events) {
      const next = evolveSnapshot(state, asPzEvent(event), event.metadata.recordedAt);
      if (!next) continue;
      const activity = `pz:event-${event.id}`;
      doc.activity[activity] = { 'prov:type': qualifiedName(event.type), 'prov:startTime': event.metadata.recordedAt, 'prov:endTime': event.metadata.recordedAt, 'pz:revision': Number(event.revision) };
      const agent = agentOf(event.metadata.actor.userId, event.metadata.actor.username);
      if (agent) rel('wasAssociatedWith', { 'prov:activity': activity, 'prov:agent': agent });
      const version: Version = { id: `pz:product-${productId}-r${event.revision}`, position: event.position };
      doc.entity[version.id] = {
        'prov:type': qualifiedName('ProductVersion'),
        'prov:label': next.display_name,
        'pz:product': qualifiedName(`product-${productId}`),
        'pz:internalName': next.internal_name,
        'pz:productType': next.product_type,
        'pz:status': next.status,
        'pz:official': next.official_product,
        'pz:contentHash': `sha256:${contentHash(next)}`,
        ...(next.files.length ? { 'pz:file': next.files.map((f) => `${f.sha256} ${f.name}`) } : {}),
      };
      rel('wasGeneratedBy', { 'prov:entity': version.id, 'prov:activity': activity, 'prov:time': event.metadata.recordedAt });
      const owner = agentOf(next.owner_id, null);
      if (owner) rel('wasAttributedTo', { 'prov:entity': version.id, 'prov:agent': owner });
      if (previous) {
        rel('used', { 'prov:activity': activity, 'prov:entity': previous.id });
        rel('wasDerivedFrom', { 'prov:generatedEntity': version.id, 'prov:usedEntity': previous.id, 'prov:activity': activity, 'prov:type': { $: 'prov:Revision', type: 'prov:QUALIFIED_NAME' } });
      }
      list.push(version);
      previous = version;
      state = next;
    }
    versions.set(productId, list);
  }

  const redacted = new Set<string>();
  const entityOf = (productId: number, at?: RecordedEvent['position']): string => {
    const list = versions.get(productId);
    if (!list?.length) {
      const node = input.nodeIds.get(productId) ?? 'redacted-0';
      const id = `pz:${node}`;
      if (!redacted.has(id)) {
        redacted.add(id);
        doc.entity[id] = { 'prov:type': qualifiedName('Redacted') };
      }
      return id;
    }
    const then = at ? list.filter((v) => comparePositions(v.position, at) <= 0).at(-1) : undefined;
    return (then ?? list.at(-1) ?? list[0])?.id ?? `pz:product-${productId}`;
  };

  const runsShown = new Set(input.runs.map((r) => r.run_id));
  for (const edge of input.edges) {
    // The child's latest version derives from the parent as the parent was then.
    const latest = versions.get(edge.productId)?.at(-1);
    rel('wasDerivedFrom', {
      'prov:generatedEntity': entityOf(edge.productId), 'prov:usedEntity': entityOf(edge.parentId, latest?.position),
      ...(edge.runId && runsShown.has(edge.runId) ? { 'prov:activity': `pz:run-${edge.runId}` } : {}),
    });
  }

  const byNode = new Map([...input.nodeIds].map(([id, node]) => [node, id]));
  for (const run of input.runs) {
    const activity = `pz:run-${run.run_id}`;
    doc.activity[activity] = {
      'prov:type': qualifiedName('PipelineRun'), 'prov:label': run.display_name || run.pipeline, 'pz:pipeline': run.pipeline, 'pz:status': run.status,
      'prov:startTime': run.started_at ?? run.requested_at, ...(run.ended_at ? { 'prov:endTime': run.ended_at } : {}),
    };
    const agent = run.agent ? `pz:user-${[...input.users].find(([, name]) => name === run.agent)?.[0] ?? run.agent}` : null;
    if (agent) {
      doc.agent[agent] ??= { 'prov:type': PERSON, 'prov:label': run.agent ?? '' };
      rel('wasAssociatedWith', { 'prov:activity': activity, 'prov:agent': agent });
    }
    for (const node of run.used) {
      const productId = byNode.get(node);
      rel('used', { 'prov:activity': activity, 'prov:entity': productId === undefined ? entityRedacted(doc, redacted, node) : entityOf(productId) });
    }
    const output = run.generated === null ? undefined : byNode.get(run.generated);
    const first = output === undefined ? undefined : versions.get(output)?.[0];
    if (first) rel('wasGeneratedBy', { 'prov:entity': first.id, 'prov:activity': activity });
  }
  return doc;
}

/** A run input off the lineage walked: named when the viewer may see it (no versions here), else redacted. */
function entityRedacted(doc: ProvJson, redacted: Set<string>, node: string): string {
  const id = `pz:${node}`;
  if (!redacted.has(id)) {
    redacted.add(id);
    doc.entity[id] = { 'prov:type': qualifiedName(node.startsWith('product-') ? 'Product' : 'Redacted') };
  }
  return id;
}
