import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Portal links: short-lived, revocable, hashed tokens that open one customer's dashboard. */
export class CreatePortalLinks1795937264913 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "portal_links" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "hash" text NOT NULL,
        "prefix" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "revoked_at" timestamptz,
        "created_by" text NOT NULL,
        CONSTRAINT "portal_links_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "portal_links_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "portal_links_hash_sha256" CHECK ("hash" ~ '^[0-9a-f]{64}$')
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "portal_links_hash_key" ON "portal_links" ("hash")`);
    await queryRunner.query(`CREATE INDEX "portal_links_customer_id_idx" ON "portal_links" ("customer_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "portal_links"`);
  }
}
