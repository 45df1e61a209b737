import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Transactional outbox: a message to publish to the event log, written in the same transaction as the
 * change it announces, sent by a publisher after commit and then marked sent.
 */
@Entity({ name: 'outbox' })
@Index('outbox_pending_idx', ['id'], { where: `"sent_at" IS NULL` })
export class OutboxEntity {
  /** bigserial: messages are sent in this order. The driver returns it as a string. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'outbox_pkey' })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  /** Partitioning / compaction key of the message. */
  @Column({ name: 'record_key', type: 'text' })
  recordKey!: string;

  /** The message value (JSON). Never a plaintext secret. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
