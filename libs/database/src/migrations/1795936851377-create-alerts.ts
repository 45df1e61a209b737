import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Anomaly alerts: alerts with their lifecycle (one not-resolved alert per key and kind, enforced by a partial
 * unique index), per-customer alert policies, the protective actions taken on keys (with the previous values a
 * revert restores) and the minutes the evaluator has run. See docs/anomaly-detection.md, "Alerts".
 */
export class CreateAlerts1795936851377 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "alerts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "key_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "severity" text NOT NULL,
        "status" text NOT NULL,
        "summary" text NOT NULL,
        "evidence" jsonb NOT NULL,
        "occurrences" integer NOT NULL DEFAULT 1,
        "opened_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        "condition_cleared_at" timestamptz,
        "acknowledged_at" timestamptz,
        "acknowledged_by" text,
        "resolved_at" timestamptz,
        "resolved_by" text,
        "resolution_reason" text,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "alerts_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "alerts_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION,
        CONSTRAINT "alerts_key_id_fkey" FOREIGN KEY ("key_id")
          REFERENCES "api_keys" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION,
        CONSTRAINT "alerts_severity_known" CHECK ("severity" IN ('low', 'medium', 'high', 'critical')),
        CONSTRAINT "alerts_status_known" CHECK ("status" IN ('open', 'acknowledged', 'resolved')),
        CONSTRAINT "alerts_acknowledged_complete" CHECK (("acknowledged_at" IS NULL) = ("acknowledged_by" IS NULL)),
        CONSTRAINT "alerts_resolved_set" CHECK (("status" = 'resolved') = ("resolved_at" IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "alerts_one_unresolved_per_key_kind" ON "alerts" ("key_id", "kind") WHERE "status" <> 'resolved'`,
    );
    await queryRunner.query(
      `CREATE INDEX "alerts_customer_opened_idx" ON "alerts" ("customer_id", "opened_at", "id")`,
    );
    await queryRunner.query(`CREATE INDEX "alerts_opened_idx" ON "alerts" ("opened_at", "id")`);

    await queryRunner.query(`
      CREATE TABLE "alert_policies" (
        "customer_id" uuid NOT NULL,
        "rules" jsonb NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "updated_by" text NOT NULL,
        CONSTRAINT "alert_policies_pkey" PRIMARY KEY ("customer_id"),
        CONSTRAINT "alert_policies_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);

    await queryRunner.query(`
      CREATE TABLE "alert_actions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "alert_id" uuid NOT NULL,
        "customer_id" uuid NOT NULL,
        "key_id" uuid NOT NULL,
        "type" text NOT NULL,
        "status" text NOT NULL,
        "previous" jsonb NOT NULL,
        "applied" jsonb NOT NULL,
        "applied_at" timestamptz NOT NULL,
        "applied_by" text NOT NULL,
        "reverted_at" timestamptz,
        "reverted_by" text,
        CONSTRAINT "alert_actions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "alert_actions_alert_id_fkey" FOREIGN KEY ("alert_id")
          REFERENCES "alerts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "alert_actions_type_known"
          CHECK ("type" IN ('tighten_rate_limit', 'suspend_key', 'require_rotation')),
        CONSTRAINT "alert_actions_status_known" CHECK ("status" IN ('applied', 'reverted')),
        CONSTRAINT "alert_actions_reverted_set" CHECK (("status" = 'reverted') = ("reverted_at" IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "alert_actions_alert_id_idx" ON "alert_actions" ("alert_id")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "alert_actions_one_per_alert_type" ON "alert_actions" ("alert_id", "type")`,
    );

    await queryRunner.query(`
      CREATE TABLE "alert_evaluations" (
        "minute" bigint NOT NULL,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz,
        "keys" integer,
        "findings" integer,
        CONSTRAINT "alert_evaluations_pkey" PRIMARY KEY ("minute")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "alert_evaluations"`);
    await queryRunner.query(`DROP TABLE "alert_actions"`);
    await queryRunner.query(`DROP TABLE "alert_policies"`);
    await queryRunner.query(`DROP TABLE "alerts"`);
  }
}
