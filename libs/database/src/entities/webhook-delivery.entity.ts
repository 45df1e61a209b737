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
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookEventEntity } from './webhook-event.entity';

/**
 * One event to send to one endpoint. `pending` until a 2xx answer (`succeeded`) or until the retry
 * schedule is exhausted (`failed`). A worker claims a due delivery by moving `next_attempt_at` past its
 * request timeout and setting `claim_id`; only the holder of that claim records the outcome.
 */
@Entity({ name: 'webhook_deliveries' })
@Check('webhook_deliveries_status_known', `"status" IN ('pending', 'succeeded', 'failed')`)
@Check('webhook_deliveries_pending_scheduled', `("status" = 'pending') = ("next_attempt_at" IS NOT NULL)`)
@Index('webhook_deliveries_due_idx', ['nextAttemptAt'], { where: `"status" = 'pending'` })
@Index('webhook_deliveries_endpoint_id_idx', ['endpointId', 'createdAt'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  id!: string;

  @Index('webhook_deliveries_event_id_idx')
  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @ManyToOne(() => WebhookEventEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'webhook_deliveries_event_id_fkey' })
  event?: WebhookEventEntity;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @ManyToOne(() => WebhookEndpointEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'webhook_deliveries_endpoint_id_fkey' })
  endpoint?: WebhookEndpointEntity;

  @Column({ type: 'text' })
  status!: string;

  /** Attempts made so far (rows in webhook_delivery_attempts). */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** When the next attempt is due; null once succeeded or failed. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** Set while a worker sends the delivery; its outcome is recorded only by that claim. */
  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId!: string | null;

  /** Start of the retry window (the first attempt); the schedule ends 24 h after it. */
  @Column({ name: 'first_attempt_at', type: 'timestamptz', nullable: true })
  firstAttemptAt!: Date | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
