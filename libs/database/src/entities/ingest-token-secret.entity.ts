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
import { IngestTokenEntity } from './ingest-token.entity';

/** One secret of an ingest token: SHA-256 hex of the plaintext, same scheme as `api_key_secrets`. */
@Entity({ name: 'ingest_token_secrets' })
@Check('ingest_token_secrets_hash_sha256', `"hash" ~ '^[0-9a-f]{64}$'`)
export class IngestTokenSecretEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'ingest_token_secrets_pkey' })
  id!: string;

  @Index('ingest_token_secrets_token_id_idx')
  @Column({ name: 'token_id', type: 'uuid' })
  tokenId!: string;

  @ManyToOne(() => IngestTokenEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'token_id', foreignKeyConstraintName: 'ingest_token_secrets_token_id_fkey' })
  token?: IngestTokenEntity;

  @Index('ingest_token_secrets_hash_key', { unique: true })
  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'text' })
  prefix!: string;

  @Column({ name: 'valid_until', type: 'timestamptz', nullable: true })
  validUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
