import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A bearer token of the admin API, stored as the SHA-256 hex of the plaintext. */
@Entity({ name: 'admin_tokens' })
@Check('admin_tokens_hash_sha256', `"hash" ~ '^[0-9a-f]{64}$'`)
export class AdminTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'admin_tokens_pkey' })
  id!: string;

  @Index('admin_tokens_hash_key', { unique: true })
  @Column({ type: 'text' })
  hash!: string;

  /** Who or what holds the token (e.g. `bootstrap`, `ADMIN_TOKEN`); recorded as the audit actor. */
  @Column({ type: 'text' })
  label!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
