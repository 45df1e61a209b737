import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key management: API keys and their secrets (hashes only), ingest tokens, admin tokens, the audit log and
 * the transactional outbox that feeds the key registry topic. See docs/keys.md, "Key management".
 */
export class CreateKeyManagement1795920000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "customer_id" uuid NOT NULL,
        "environment" text NOT NULL,
        "name" text NOT NULL,
        "prefix" text NOT NULL,
        "status" text NOT NULL,
        "expires_at" timestamptz,
        "scopes" jsonb NOT NULL,
        "rate_limit_rate" double precision,
        "rate_limit_burst" integer,
        "quota_requests_per_day" bigint,
        "quota_credits_per_month" numeric,
        "revision" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "api_keys_customer_id_fkey" FOREIGN KEY ("customer_id")
          REFERENCES "customers" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION,
        CONSTRAINT "api_keys_environment_known" CHECK ("environment" IN ('live', 'test')),
        CONSTRAINT "api_keys_status_known" CHECK ("status" IN ('active', 'suspended', 'revoked')),
        CONSTRAINT "api_keys_name_not_blank" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "api_keys_rate_limit_complete" CHECK (("rate_limit_rate" IS NULL) = ("rate_limit_burst" IS NULL)),
        CONSTRAINT "api_keys_revoked_at_set" CHECK (("status" = 'revoked') = ("revoked_at" IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "api_keys_customer_id_idx" ON "api_keys" ("customer_id")`);

    await queryRunner.query(`
      CREATE TABLE "api_key_secrets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "key_id" uuid NOT NULL,
        "hash" text NOT NULL,
        "prefix" text NOT NULL,
        "valid_until" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "api_key_secrets_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "api_key_secrets_key_id_fkey" FOREIGN KEY ("key_id")
          REFERENCES "api_keys" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "api_key_secrets_hash_sha256" CHECK ("hash" ~ '^[0-9a-f]{64}$')
      )`);
    await queryRunner.query(`CREATE INDEX "api_key_secrets_key_id_idx" ON "api_key_secrets" ("key_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "api_key_secrets_hash_key" ON "api_key_secrets" ("hash")`);

    await queryRunner.query(`
      CREATE TABLE "ingest_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "prefix" text NOT NULL,
        "status" text NOT NULL,
        "revision" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        CONSTRAINT "ingest_tokens_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "ingest_tokens_status_known" CHECK ("status" IN ('active', 'revoked')),
        CONSTRAINT "ingest_tokens_name_not_blank" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "ingest_tokens_revoked_at_set" CHECK (("status" = 'revoked') = ("revoked_at" IS NOT NULL))
      )`);

    await queryRunner.query(`
      CREATE TABLE "ingest_token_secrets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_id" uuid NOT NULL,
        "hash" text NOT NULL,
        "prefix" text NOT NULL,
        "valid_until" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "ingest_token_secrets_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "ingest_token_secrets_token_id_fkey" FOREIGN KEY ("token_id")
          REFERENCES "ingest_tokens" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "ingest_token_secrets_hash_sha256" CHECK ("hash" ~ '^[0-9a-f]{64}$')
      )`);
    await queryRunner.query(
      `CREATE INDEX "ingest_token_secrets_token_id_idx" ON "ingest_token_secrets" ("token_id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ingest_token_secrets_hash_key" ON "ingest_token_secrets" ("hash")`,
    );

    await queryRunner.query(`
      CREATE TABLE "admin_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "hash" text NOT NULL,
        "label" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        CONSTRAINT "admin_tokens_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "admin_tokens_hash_sha256" CHECK ("hash" ~ '^[0-9a-f]{64}$')
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "admin_tokens_hash_key" ON "admin_tokens" ("hash")`);

    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "id" bigserial NOT NULL,
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "actor_type" text NOT NULL,
        "actor_id" text,
        "actor_label" text NOT NULL,
        "action" text NOT NULL,
        "subject_type" text NOT NULL,
        "subject_id" text NOT NULL,
        "details" jsonb NOT NULL,
        CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "audit_log_subject_idx" ON "audit_log" ("subject_type", "subject_id", "id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "outbox" (
        "id" bigserial NOT NULL,
        "topic" text NOT NULL,
        "record_key" text NOT NULL,
        "payload" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz,
        CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "outbox_pending_idx" ON "outbox" ("id") WHERE "sent_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'outbox',
      'audit_log',
      'admin_tokens',
      'ingest_token_secrets',
      'ingest_tokens',
      'api_key_secrets',
      'api_keys',
    ]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
