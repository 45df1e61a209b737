import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing: plans and their prices (NUMERIC, never floating point), subscriptions, invoices and late-usage
 * adjustments. See docs/billing.md.
 */
export class CreateBilling1795930500000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "plans" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "currency" character(3) NOT NULL,
        "fixed_fee" numeric,
        "minimum_commitment" numeric,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "plans_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "plans_name_not_blank" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "plans_currency_iso4217" CHECK ("currency" ~ '^[A-Z]{3}$'),
        CONSTRAINT "plans_fixed_fee_not_negative" CHECK ("fixed_fee" >= 0),
        CONSTRAINT "plans_minimum_commitment_not_negative" CHECK ("minimum_commitment" >= 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE "plan_meter_prices" (
        "plan_id" uuid NOT NULL,
        "meter" text NOT NULL,
        "model" text NOT NULL,
        "free_units" numeric NOT NULL,
        "unit_price" numeric,
        "package_size" numeric,
        "package_price" numeric,
        CONSTRAINT "plan_meter_prices_pkey" PRIMARY KEY ("plan_id", "meter"),
        CONSTRAINT "plan_meter_prices_plan_id_fkey" FOREIGN KEY ("plan_id")
          REFERENCES "plans" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "plan_meter_prices_meter_known" CHECK ("meter" IN ('requests', 'credits', 'egress_bytes')),
        CONSTRAINT "plan_meter_prices_model_known" CHECK ("model" IN ('per_unit', 'graduated', 'volume', 'package'))
      )`);
    await queryRunner.query(`
      CREATE TABLE "plan_price_tiers" (
        "plan_id" uuid NOT NULL,
        "meter" text NOT NULL,
        "tier_index" integer NOT NULL,
        "up_to" numeric,
        "unit_price" numeric NOT NULL,
        "flat_fee" numeric NOT NULL,
        CONSTRAINT "plan_price_tiers_pkey" PRIMARY KEY ("plan_id", "meter", "tier_index"),
        CONSTRAINT "plan_price_tiers_plan_id_fkey" FOREIGN KEY ("plan_id")
          REFERENCES "plans" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`
      CREATE TABLE "subscriptions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "plan_id" uuid NOT NULL,
        "starts_at" timestamptz NOT NULL,
        "ends_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "subscriptions_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION,
        CONSTRAINT "subscriptions_plan_id_fkey" FOREIGN KEY ("plan_id")
          REFERENCES "plans" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION,
        CONSTRAINT "subscriptions_ends_after_start" CHECK ("ends_at" IS NULL OR "ends_at" > "starts_at")
      )`);
    await queryRunner.query(
      `CREATE INDEX "subscriptions_customer_id_starts_at_idx" ON "subscriptions" ("customer_id", "starts_at")`,
    );
    await queryRunner.query(`CREATE INDEX "subscriptions_plan_id_idx" ON "subscriptions" ("plan_id")`);
    await queryRunner.query(`
      CREATE TABLE "invoices" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "period" text NOT NULL,
        "period_start" timestamptz NOT NULL,
        "period_end" timestamptz NOT NULL,
        "timezone" text NOT NULL,
        "currency" character(3) NOT NULL,
        "status" text NOT NULL,
        "usage_cutoff" jsonb NOT NULL,
        "parts" jsonb NOT NULL,
        "lines" jsonb NOT NULL,
        "charges_total" numeric NOT NULL,
        "adjustments_total" numeric NOT NULL,
        "total" numeric NOT NULL,
        "computed_at" timestamptz NOT NULL,
        "finalized_at" timestamptz,
        "voided_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "invoices_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "invoices_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION,
        CONSTRAINT "invoices_status_known" CHECK ("status" IN ('draft', 'finalized', 'void')),
        CONSTRAINT "invoices_period_format" CHECK ("period" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        CONSTRAINT "invoices_finalized_at_set" CHECK ("status" <> 'finalized' OR "finalized_at" IS NOT NULL),
        CONSTRAINT "invoices_voided_at_set" CHECK (("status" = 'void') = ("voided_at" IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "invoices_customer_period_key" ON "invoices" ("customer_id", "period") WHERE "status" <> 'void'`,
    );
    await queryRunner.query(`CREATE INDEX "invoices_period_idx" ON "invoices" ("period")`);
    await queryRunner.query(`
      CREATE TABLE "invoice_adjustments" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "invoice_id" uuid NOT NULL,
        "source_invoice_id" uuid NOT NULL,
        "currency" character(3) NOT NULL,
        "amount" numeric NOT NULL,
        "rederived_charges_total" numeric NOT NULL,
        "usage_cutoff" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "invoice_adjustments_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "invoice_adjustments_invoice_source_key" UNIQUE ("invoice_id", "source_invoice_id"),
        CONSTRAINT "invoice_adjustments_invoice_id_fkey" FOREIGN KEY ("invoice_id")
          REFERENCES "invoices" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "invoice_adjustments_source_invoice_id_fkey" FOREIGN KEY ("source_invoice_id")
          REFERENCES "invoices" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    await queryRunner.query(
      `CREATE INDEX "invoice_adjustments_source_invoice_id_idx" ON "invoice_adjustments" ("source_invoice_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "invoice_adjustments"`);
    await queryRunner.query(`DROP TABLE "invoices"`);
    await queryRunner.query(`DROP TABLE "subscriptions"`);
    await queryRunner.query(`DROP TABLE "plan_price_tiers"`);
    await queryRunner.query(`DROP TABLE "plan_meter_prices"`);
    await queryRunner.query(`DROP TABLE "plans"`);
  }
}
