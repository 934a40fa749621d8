import { sql, type Kysely } from 'kysely';
import { migrate, type Database } from '@pz/database';

/**
 * Webhook subscriptions and their delivery records. Not events: the signing secret must be kept
 * to sign with (the log is shown to admins and exported), and delivery attempts are operational
 * bookkeeping, not facts about the catalogue.
 */
export type WebhookTables = {
  webhooks: {
    id: string;
    owner_id: number;
    url: string;
    types: string | null;
    product_type: string | null;
    official_only: boolean;
    secret: string;
    after_commit: string;
    after_prepare: string;
    enabled: boolean;
    consecutive_failures: number;
    next_attempt_at: Date | string | null;
    disabled_reason: string | null;
    created_at: Date | string;
  };
  webhook_deliveries: {
    id: number | undefined;
    webhook_id: string;
    event_id: string;
    position: string;
    attempt: number;
    status: number | null;
    error: string | null;
    at: Date | string;
  };
};

export async function migrateWebhooks(database: Database): Promise<void> {
  await migrate(database, 'webhooks', {
    '0001_webhooks': {
      async up(db: Kysely<object>) {
        await sql`CREATE TABLE webhooks (
          id text PRIMARY KEY, owner_id integer NOT NULL, url text NOT NULL, types text, product_type text, official_only boolean NOT NULL,
          secret text NOT NULL, after_commit bigint NOT NULL, after_prepare bigint NOT NULL, enabled boolean NOT NULL,
          consecutive_failures integer NOT NULL, next_attempt_at timestamptz, disabled_reason text, created_at timestamptz NOT NULL)`.execute(db);
        await sql`CREATE TABLE webhook_deliveries (
          id bigserial PRIMARY KEY, webhook_id text NOT NULL, event_id text NOT NULL, position text NOT NULL, attempt integer NOT NULL,
          status integer, error text, at timestamptz NOT NULL)`.execute(db);
        await sql`CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id DESC)`.execute(db);
      },
    },
  });
}
