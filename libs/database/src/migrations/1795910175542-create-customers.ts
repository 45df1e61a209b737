import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCustomers1795910175542 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "customers" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "email" text NOT NULL,
        "timezone" text NOT NULL,
        "currency" character(3) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "customers_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "customers_name_not_blank" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "customers_email_not_blank" CHECK (length(btrim("email")) > 0),
        CONSTRAINT "customers_currency_iso4217" CHECK ("currency" ~ '^[A-Z]{3}$')
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "customers_email_lower_key" ON "customers" (lower("email"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "customers"`);
  }
}
