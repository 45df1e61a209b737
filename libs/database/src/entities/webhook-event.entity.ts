import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One webhook event, recorded in the transaction of the change it announces. `id` is the
 * `webhook-id` header (`msg_<ulid>`), the same on every delivery attempt so receivers can deduplicate.
 * `payload` is the body sent: `{ type, timestamp, data }`. Never holds a secret.
 */
@Entity({ name: 'webhook_events' })
export class WebhookEventEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'webhook_events_pkey' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  /** The customer the event concerns; null for events of no customer. No foreign key: events are a log. */
  @Index('webhook_events_customer_id_idx')
  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
