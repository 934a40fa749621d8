import type { Kysely } from 'kysely';
import { comparePositions, formatPosition, type EventStore, type LogPosition } from '@pz/contracts';
import type { CatalogueTables, ProvenanceTables } from '@pz/projections';
import { DeliveryGate } from '../events/event-delivery';
import { postTo } from './post-delivery';
import { webhookSignature } from './signature';
import { checkTarget, type AllowList } from './target-guard';
import type { WebhookTables } from './webhook-store';

export interface DispatcherOptions {
  readonly store: EventStore;
  readonly catalogue: Kysely<CatalogueTables>;
  readonly provenance: Kysely<ProvenanceTables>;
  readonly webhooks: Kysely<WebhookTables>;
  readonly allow: AllowList;
  readonly retryBaseMs: number;
  readonly maxFailures: number;
  readonly projected: (position: LogPosition) => Promise<boolean>;
  readonly tickMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Delivers each enabled webhook's events in log order, at least once: its cursor moves past an
 * event only once the receiver answered 2xx (receivers de-duplicate by X-Pz-Event-Id). A failure
 * is recorded and retried after retryBaseMs × 2^(failures-1); after maxFailures in a row the
 * webhook is disabled with the reason shown to its owner. What an owner's webhook receives is
 * decided like the event stream's: only events about products the owner may see at delivery.
 */
export function startDispatcher(options: DispatcherOptions): { stop(): Promise<void> } {
  let stopped = false;
  let wake: () => void = () => {};
  const loop = async () => {
    while (!stopped) {
      try {
        const due = await options.webhooks.selectFrom('webhooks').selectAll().where('enabled', '=', true)
          .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', new Date().toISOString())])).execute();
        for (const hook of due) if (!stopped) await deliverNext(options, hook);
      } catch (error) {
        options.onError?.(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.tickMs ?? 250);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const running = loop();
  return {
    async stop() {
      stopped = true;
      wake();
      await running;
    },
  };
}

type Hook = WebhookTables['webhooks'];

async function deliverNext(options: DispatcherOptions, hook: { [K in keyof Hook]: Hook[K] }): Promise<void> {
  const after: LogPosition = { commit: BigInt(hook.after_commit), prepare: BigInt(hook.after_prepare) };
  const types = hook.types ? (JSON.parse(hook.types) as string[]) : undefined;
  const page = await options.store.readAll({ after, limit: 100, ...(types ? { eventTypes: types } : {}) });
  if (page.events.length === 0) {
    if (formatPosition(page.lastPosition) !== formatPosition(after)) await moveCursor(options, hook.id, page.lastPosition);
    return;
  }
  const owner = await options.catalogue.selectFrom('users').select(['id', 'username', 'is_admin']).where('id', '=', hook.owner_id).executeTakeFirst();
  if (!owner) return;
  const gate = new DeliveryGate(options.catalogue, options.provenance, { kind: 'user', userId: owner.id, username: owner.username, isAdmin: owner.is_admin, via: 'token' }, {
    ...(types ? { types: new Set(types) } : {}),
    ...(hook.product_type ? { productType: hook.product_type } : {}),
    ...(hook.official_only ? { officialOnly: true } : {}),
  }, options.projected);
  const [next] = await gate.select(page.events);
  if (!next) return moveCursor(options, hook.id, page.lastPosition);
  // Events before the one to send were not for this webhook: the cursor may pass them.
  const skipped = page.events.filter((e) => comparePositions(e.position, next.position) < 0).at(-1);
  if (skipped) await moveCursor(options, hook.id, skipped.position);

  const body = JSON.stringify(next.entry);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const target = await checkTarget(hook.url, options.allow);
  const outcome = target.ok
    ? await postTo(target.url, target.address, target.family, {
      'content-type': 'application/json', 'user-agent': 'pz-webhooks/1',
      'x-pz-event-id': next.entry.event_id, 'x-pz-event-type': next.type, 'x-pz-position': next.id,
      'x-pz-webhook-id': hook.id, 'x-pz-timestamp': timestamp, 'x-pz-signature': webhookSignature(hook.secret, timestamp, body),
    }, body)
    : { error: `refused: ${target.reason}` };
  const status = 'status' in outcome ? outcome.status : null;
  const ok = status !== null && status >= 200 && status < 300;
  const error = ok ? null : 'error' in outcome ? outcome.error : status !== null && status >= 300 && status < 400 ? `answered ${status}: redirects are not followed` : `answered ${status}`;
  await options.webhooks.insertInto('webhook_deliveries').values({
    id: undefined, webhook_id: hook.id, event_id: next.entry.event_id, position: next.id, attempt: hook.consecutive_failures + 1, status, error, at: new Date().toISOString(),
  }).execute();
  if (ok) {
    await options.webhooks.updateTable('webhooks').set({ consecutive_failures: 0, next_attempt_at: null, after_commit: next.position.commit.toString(), after_prepare: next.position.prepare.toString() }).where('id', '=', hook.id).execute();
    return;
  }
  const failures = hook.consecutive_failures + 1;
  const disable = failures >= options.maxFailures;
  await options.webhooks.updateTable('webhooks').set({
    consecutive_failures: failures,
    next_attempt_at: new Date(Date.now() + options.retryBaseMs * 2 ** (failures - 1)).toISOString(),
    ...(disable ? { enabled: false, disabled_reason: `disabled after ${failures} failed deliveries in a row; the last: ${error ?? 'unknown'}` } : {}),
  }).where('id', '=', hook.id).execute();
}

async function moveCursor(options: DispatcherOptions, id: string, position: LogPosition): Promise<void> {
  await options.webhooks.updateTable('webhooks').set({ after_commit: position.commit.toString(), after_prepare: position.prepare.toString() }).where('id', '=', id).execute();
}
