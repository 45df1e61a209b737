import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A token external gateways use to send usage events (`POST /v1/events`). Not tied to a customer: the
 * events name their own keys. Secrets live in `ingest_token_secrets`, as for API keys.
 */
@Entity({ name: 'ingest_tokens' })
@Check('ingest_tokens_status_known', `"status" IN ('active', 'revoked')`)
@Check('ingest_tokens_name_not_blank', `length(btrim("name")) > 0`)
@Check('ingest_tokens_revoked_at_set', `("status" = 'revoked') = ("revoked_at" IS NOT NULL)`)
export class IngestTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'ingest_tokens_pkey' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Display prefix of the current secret, e.g. `km_ingest_0AbC`. */
  @Column({ type: 'text' })
  prefix!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'integer', default: 1 })
  revision!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
