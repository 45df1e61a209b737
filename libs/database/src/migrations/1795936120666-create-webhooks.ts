import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: endpoints (with their signing secrets), events, one delivery per event and endpoint, and
 * one row per delivery attempt. See docs/webhooks.md.
 */
export class CreateWebhooks1795936120666 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_endpoints" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid,
        "url" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "event_types" jsonb NOT NULL,
        "enabled" boolean NOT NULL DEFAULT true,
        "secret" text NOT NULL,
        "previous_secret" text,
        "previous_secret_expires_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_endpoints_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "webhook_endpoints_url_http" CHECK ("url" ~ '^https?://'),
        CONSTRAINT "webhook_endpoints_secret_format" CHECK ("secret" ~ '^whsec_[A-Za-z0-9+/=]+$'),
        CONSTRAINT "webhook_endpoints_previous_secret_complete"
          CHECK (("previous_secret" IS NULL) = ("previous_secret_expires_at" IS NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_endpoints_customer_id_idx" ON "webhook_endpoints" ("customer_id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "webhook_events" (
        "id" text NOT NULL,
        "type" text NOT NULL,
        "customer_id" uuid,
        "payload" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_events_customer_id_idx" ON "webhook_events" ("customer_id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "event_id" text NOT NULL,
        "endpoint_id" uuid NOT NULL,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz,
        "claim_id" uuid,
        "first_attempt_at" timestamptz,
        "last_attempt_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id")
          REFERENCES "webhook_events" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id")
          REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "webhook_deliveries_status_known" CHECK ("status" IN ('pending', 'succeeded', 'failed')),
        CONSTRAINT "webhook_deliveries_pending_scheduled"
          CHECK (("status" = 'pending') = ("next_attempt_at" IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries" ("event_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_endpoint_id_idx" ON "webhook_deliveries" ("endpoint_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'pending'`,
    );

    await queryRunner.query(`
      CREATE TABLE "webhook_delivery_attempts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "delivery_id" uuid NOT NULL,
        "attempt_number" integer NOT NULL,
        "attempted_at" timestamptz NOT NULL,
        "response_status" integer,
        "duration_ms" integer NOT NULL,
        "error" text,
        CONSTRAINT "webhook_delivery_attempts_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id")
          REFERENCES "webhook_deliveries" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "webhook_delivery_attempts_delivery_id_idx" ON "webhook_delivery_attempts" ("delivery_id", "attempt_number")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_events"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
