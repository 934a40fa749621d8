import type { Kysely } from 'kysely';
import { formatPosition, type LogPosition, type RecordedEvent } from '@pz/contracts';
import type { CatalogueTables, ProvenanceTables } from '@pz/projections';
import { runChangeOf } from '@pz/projections';
import { auditEntry, productIdOf, type AuditEntry } from '../audit/audit-entry';
import { visibleProductIds, type Viewer } from '../visibility/product-visibility';

/** What a subscriber asked for, beside the events' visibility (which is not theirs to choose). */
export interface DeliveryFilter {
  readonly types?: ReadonlySet<string>;
  readonly productType?: string;
  readonly officialOnly?: boolean;
}

/** Reference events every signed-in subscriber may have: they name no product and no person. */
const PUBLIC_TYPES = new Set(['ProductTypeSeeded', 'ReleaseAdded']);

export interface Delivery {
  readonly id: string;
  readonly position: LogPosition;
  readonly type: string;
  readonly entry: AuditEntry;
}

/**
 * Decides, when a page of the log is about to be sent, which of its events this subscriber gets.
 * An event about a product (its stream's, or a pipeline run's output) goes only to a viewer who
 * may see that product NOW (visibility/product-visibility.ts, asked once per page), so access
 * changes apply to live subscribers. Events about accounts and tokens are never sent. Keeps, per
 * connection, which product each run generates (the run's later events do not say).
 */
export class DeliveryGate {
  private readonly runOutputs = new Map<string, number | null>();

  constructor(
    private readonly catalogue: Kysely<CatalogueTables>,
    private readonly provenance: Kysely<ProvenanceTables>,
    private readonly viewer: Viewer,
    private readonly filter: DeliveryFilter,
    /** Resolves once the read models have applied the log up to `position`. */
    private readonly projected: (position: LogPosition) => Promise<boolean>,
  ) {}

  async select(events: readonly RecordedEvent[]): Promise<Delivery[]> {
    // The read models must have seen these events before they can say who may see a new product.
    const last = events.at(-1);
    if (last) await this.projected(last.position);
    const about = new Map<RecordedEvent, number | null>();
    for (const event of events) {
      if (this.filter.types && !this.filter.types.has(event.type)) continue;
      if (PUBLIC_TYPES.has(event.type)) {
        if (!this.filter.productType && !this.filter.officialOnly) about.set(event, null);
        continue;
      }
      if (event.streamName.startsWith('product-')) about.set(event, productIdOf(event));
      else if (event.streamName.startsWith('run-')) about.set(event, await this.runOutput(event));
    }
    const ids = [...about.values()].filter((id): id is number => id !== null);
    const visible = await visibleProductIds(this.catalogue, this.viewer, ids);
    const wanted = this.filter.productType || this.filter.officialOnly ? await this.narrowed([...visible]) : visible;
    const out: Delivery[] = [];
    for (const [event, productId] of about) {
      if (productId !== null && !wanted.has(productId)) continue;
      out.push({ id: formatPosition(event.position), position: event.position, type: event.type, entry: auditEntry(event) });
    }
    return out;
  }

  /** Of visible products, those of the asked type and official flag (as they are now). */
  private async narrowed(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    let q = this.catalogue.selectFrom('products').select('id').where('id', 'in', ids);
    if (this.filter.productType) q = q.where('product_type_name', '=', this.filter.productType);
    if (this.filter.officialOnly) q = q.where('official_product', '=', true);
    return new Set((await q.execute()).map((r) => r.id));
  }

  private async runOutput(event: RecordedEvent): Promise<number | null> {
    const change = runChangeOf(event);
    if (!change) return null;
    if (change.kind === 'requested') this.runOutputs.set(change.runId, change.output);
    if (change.kind === 'ended' && change.output !== null) this.runOutputs.set(change.runId, change.output);
    if (!this.runOutputs.has(change.runId)) {
      const row = await this.provenance.selectFrom('provenance_runs').select('output_product_id').where('run_id', '=', change.runId).executeTakeFirst();
      this.runOutputs.set(change.runId, row?.output_product_id ?? null);
    }
    // A run whose output is not known yet is not sent: nothing says who may see it.
    return this.runOutputs.get(change.runId) ?? -1;
  }
}
