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
import { CustomerEntity } from './customer.entity';

/**
 * A short-lived link an admin hands to one customer to open the dashboard's customer view. The token is
 * stored as the SHA-256 hex of its plaintext only; it reads that customer's data until it expires or is
 * revoked. See docs/dashboard.md.
 */
@Entity({ name: 'portal_links' })
@Check('portal_links_hash_sha256', `"hash" ~ '^[0-9a-f]{64}$'`)
export class PortalLinkEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'portal_links_pkey' })
  id!: string;

  @Index('portal_links_customer_id_idx')
  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'portal_links_customer_id_fkey' })
  customer?: CustomerEntity;

  @Index('portal_links_hash_key', { unique: true })
  @Column({ type: 'text' })
  hash!: string;

  /** Display prefix, e.g. `km_portal_0AbC`. */
  @Column({ type: 'text' })
  prefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Label of the admin token that minted the link (audit; never the token). */
  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;
}
