import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A minute the anomaly evaluator claimed: each minute is evaluated once, whoever asks again. */
@Entity({ name: 'alert_evaluations' })
export class AlertEvaluationEntity {
  /** Epoch minute (UTC); bigint, returned by the driver as a string. */
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'alert_evaluations_pkey' })
  minute!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ type: 'integer', nullable: true })
  keys!: number | null;

  @Column({ type: 'integer', nullable: true })
  findings!: number | null;
}
