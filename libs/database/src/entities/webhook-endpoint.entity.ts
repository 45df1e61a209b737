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
 * A URL that receives signed webhook events: a customer's (customer_id set: that customer's events only)
 * or global (customer_id null: every event, for finance and operations). Created by the CreateWebhooks
 * migration; this mapping must agree with it.
 *
 * The signing secrets are stored as issued (signing needs them in the clear; a hash cannot sign). They
 * are returned once, on create and on rotation, and never put in a view, a log line or an error.
 */
@Entity({ name: 'webhook_endpoints' })
@Check('webhook_endpoints_url_http', `"url" ~ '^https?://'`)
@Check('webhook_endpoints_secret_format', `"secret" ~ '^whsec_[A-Za-z0-9+/=]+$'`)
@Check(
  'webhook_endpoints_previous_secret_complete',
  `("previous_secret" IS NULL) = ("previous_secret_expires_at" IS NULL)`,
)
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  id!: string;

  @Index('webhook_endpoints_customer_id_idx')
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId!: string | null;

  @ManyToOne(() => CustomerEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'webhook_endpoints_customer_id_fkey' })
  customer?: CustomerEntity;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** Exact types (`alert.opened`) and prefixes (`alert.*`); empty means every type. */
  @Column({ name: 'event_types', type: 'jsonb' })
  eventTypes!: string[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** `whsec_<base64>`: signs every delivery. Never returned after create/rotate, never logged. */
  @Column({ type: 'text' })
  secret!: string;

  /** The secret before the last rotation; also signs until `previous_secret_expires_at`. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
