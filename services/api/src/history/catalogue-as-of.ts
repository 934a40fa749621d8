import { EVENT_CATALOGUE, START, comparePositions, type EventStore } from '@pz/contracts';
import { asPzEvent, isAtOrBefore, type Moment } from './as-of';
import { evolveSnapshot, type ProductSnapshot } from './product-snapshot';

const PRODUCT_EVENT_TYPES = EVENT_CATALOGUE.map((e) => e.type).filter((t) => t.startsWith('Product') && t !== 'ProductTypeSeeded');

/**
 * Every product as it was at `moment`, folded from the log's product events. It reads the log
 * from the start (to the moment for a position; to the head for an instant, since instants are
 * chosen by writers and only roughly follow the log order): a cost proportional to the log,
 * paid only by this query.
 */
export async function catalogueAsOf(store: EventStore, moment: Moment): Promise<Map<number, ProductSnapshot>> {
  const products = new Map<number, ProductSnapshot>();
  let after = START;
  for (;;) {
    const page = await store.readAll({ after, limit: 2000, eventTypes: PRODUCT_EVENT_TYPES });
    for (const event of page.events) {
      if ('position' in moment && comparePositions(event.position, moment.position) > 0) return products;
      if (!isAtOrBefore(event, moment)) continue;
      const productId = (event.data as { productId?: unknown }).productId;
      if (typeof productId !== 'number') continue;
      const next = evolveSnapshot(products.get(productId) ?? null, asPzEvent(event), event.metadata.recordedAt);
      if (next) products.set(productId, next);
    }
    if (comparePositions(page.lastPosition, after) === 0) return products;
    after = page.lastPosition;
  }
}
