import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-customer detection threshold overrides in the alert policy (docs/anomaly-detection.md, "Policies"). */
export class AddAlertPolicyThresholds1795941382519 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "alert_policies" ADD COLUMN "thresholds" jsonb NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alert_policies" DROP COLUMN "thresholds"`);
  }
}
