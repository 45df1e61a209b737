import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

/**
 * One secret of an API key, stored only as the SHA-256 hex of the plaintext. The current secret has no
 * `valid_until`; a rotation gives the previous one the end of its grace period.
 */
@Entity({ name: 'api_key_secrets' })
@Check('api_key_secrets_hash_sha256', `"hash" ~ '^[0-9a-f]{64}$'`)
export class ApiKeySecretEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_key_secrets_pkey' })
  id!: string;

  @Index('api_key_secrets_key_id_idx')
  @Column({ name: 'key_id', type: 'uuid' })
  keyId!: string;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'key_id', foreignKeyConstraintName: 'api_key_secrets_key_id_fkey' })
  key?: ApiKeyEntity;

  /** Lookups are by this column (unique index). */
  @Index('api_key_secrets_hash_key', { unique: true })
  @Column({ type: 'text' })
  hash!: string;

  /** Display prefix of this secret. */
  @Column({ type: 'text' })
  prefix!: string;

  /** End of the grace period of a rotated-out secret; null for the current one. */
  @Column({ name: 'valid_until', type: 'timestamptz', nullable: true })
  validUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
