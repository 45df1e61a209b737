import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts of a source network instead of a key (auth-failure bursts from calls whose key is unknown; see
 * docs/anomaly-detection.md, "Network auth-failure bursts"): no customer, no key, the network named. At most
 * one unresolved alert per network and kind, as for keys.
 */
export class AddNetworkAlerts1795942368573 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "customer_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "key_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "alerts" ADD COLUMN "network" text`);
    await queryRunner.query(
      `ALTER TABLE "alerts" ADD CONSTRAINT "alerts_key_or_network_check" CHECK (
         ("key_id" IS NOT NULL AND "customer_id" IS NOT NULL AND "network" IS NULL)
         OR ("key_id" IS NULL AND "customer_id" IS NULL AND "network" IS NOT NULL))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "alerts_one_unresolved_per_network_kind" ON "alerts" ("network", "kind")
       WHERE "status" <> 'resolved' AND "network" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "alerts" WHERE "network" IS NOT NULL`);
    await queryRunner.query(`DROP INDEX "alerts_one_unresolved_per_network_kind"`);
    await queryRunner.query(`ALTER TABLE "alerts" DROP CONSTRAINT "alerts_key_or_network_check"`);
    await queryRunner.query(`ALTER TABLE "alerts" DROP COLUMN "network"`);
    await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "key_id" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "alerts" ALTER COLUMN "customer_id" SET NOT NULL`);
  }
}
