import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { CustomerEntity } from './customer.entity';

/**
 * An API key of a customer: its settings, never its secret. Secrets (current and rotated out) are rows
 * of `api_key_secrets`. Created by the CreateKeyManagement migration; this mapping must agree with it.
 */
@Entity({ name: 'api_keys' })
@Check('api_keys_environment_known', `"environment" IN ('live', 'test')`)
@Check('api_keys_status_known', `"status" IN ('active', 'suspended', 'revoked')`)
@Check('api_keys_name_not_blank', `length(btrim("name")) > 0`)
@Check('api_keys_rate_limit_complete', `("rate_limit_rate" IS NULL) = ("rate_limit_burst" IS NULL)`)
@Check('api_keys_revoked_at_set', `("status" = 'revoked') = ("revoked_at" IS NOT NULL)`)
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_keys_pkey' })
  id!: string;

  @Index('api_keys_customer_id_idx')
  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'api_keys_customer_id_fkey' })
  customer?: CustomerEntity;

  /** `live` or `test`: the key's prefix (`km_live_` / `km_test_`). */
  @Column({ type: 'text' })
  environment!: string;

  /** Application or project label. */
  @Column({ type: 'text' })
  name!: string;

  /** Display prefix of the current secret, e.g. `km_live_0AbC`. */
  @Column({ type: 'text' })
  prefix!: string;

  /** `active`, `suspended` (can be lifted) or `revoked` (final). Expiry is `expires_at`, not a status. */
  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Route scopes `{ methods, pattern }` and named scopes (`usage:read`), as validated by the domain. */
  @Column({ type: 'jsonb' })
  scopes!: unknown[];

  /** Requests per second (at most 3 decimals, exact in a double); null together with the burst. */
  @Column({ name: 'rate_limit_rate', type: 'double precision', nullable: true })
  rateLimitRate!: number | null;

  @Column({ name: 'rate_limit_burst', type: 'integer', nullable: true })
  rateLimitBurst!: number | null;

  /** Up to 10^12, beyond int4; the driver returns bigint as a string. */
  @Column({ name: 'quota_requests_per_day', type: 'bigint', nullable: true })
  quotaRequestsPerDay!: string | null;

  /** Decimal credits in canonical form; unconstrained numeric keeps the scale it was given. */
  @Column({ name: 'quota_credits_per_month', type: 'numeric', nullable: true })
  quotaCreditsPerMonth!: string | null;

  /** Increases with every change; the registry snapshot carries it so gateways drop stale ones. */
  @Column({ type: 'integer', default: 1 })
  revision!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
