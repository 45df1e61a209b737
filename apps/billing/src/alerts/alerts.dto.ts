import { THRESHOLD_OVERRIDE_BOUNDS } from '@keymeter/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The groups and thresholds a policy may override, from the bounds the domain validates them with. */
const OVERRIDABLE_THRESHOLDS = Object.entries(THRESHOLD_OVERRIDE_BOUNDS)
  .map(([group, bounds]) => `${group} { ${Object.keys(bounds).join(', ')} }`)
  .join(', ');

export class AlertActionDto {
  @ApiProperty() id!: string;
  @ApiProperty() alertId!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ enum: ['tighten_rate_limit', 'suspend_key', 'require_rotation'] }) type!: string;
  @ApiProperty({ enum: ['applied', 'reverted'] }) status!: string;
  @ApiProperty({ description: "The key's values before the action; a revert restores them" })
  previous!: Record<string, unknown>;
  @ApiProperty({ description: 'The values the action set' }) applied!: Record<string, unknown>;
  @ApiProperty() appliedAt!: string;
  @ApiProperty() appliedBy!: string;
  @ApiProperty({ nullable: true, type: String }) revertedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revertedBy!: string | null;
}

export class AlertDto {
  @ApiProperty() id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ example: 'traffic_spike' }) kind!: string;
  @ApiProperty({ enum: ['low', 'medium', 'high', 'critical'] }) severity!: string;
  @ApiProperty({ enum: ['open', 'acknowledged', 'resolved'] }) status!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({
    description: 'observed, expected, window { startMinute, endMinute, start, end } and details',
  })
  evidence!: Record<string, unknown>;
  @ApiProperty({ description: 'Evaluated minutes in which the condition was seen' }) occurrences!: number;
  @ApiProperty() openedAt!: string;
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty({ nullable: true, type: String }) conditionClearedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) acknowledgedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) acknowledgedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolvedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) resolutionReason!: string | null;
  @ApiProperty({ type: [AlertActionDto] }) actions!: AlertActionDto[];
}

export class ResolveAlertDto {
  @ApiPropertyOptional({ description: 'Why; default "resolved"', maxLength: 500 }) reason?: string;
}

export class AlertPolicyRuleDto {
  @ApiProperty({ example: 'traffic_spike' }) kind!: string;
  @ApiPropertyOptional({ enum: ['low', 'medium', 'high', 'critical'], default: 'high' }) minSeverity?: string;
  @ApiProperty({
    description:
      '{ type: "suspend_key" } | { type: "tighten_rate_limit", factor?: 0..1, limit?: { rate, burst } } | ' +
      '{ type: "require_rotation", deadlineSeconds?: 0..2592000 (default 86400) }',
    example: { type: 'tighten_rate_limit', factor: 0.1 },
  })
  action!: Record<string, unknown>;
}

export class AlertPolicyDto {
  @ApiProperty({ type: [AlertPolicyRuleDto] }) rules!: AlertPolicyRuleDto[];
  @ApiPropertyOptional({
    description: `Detection thresholds over the defaults, every group and value optional: ${OVERRIDABLE_THRESHOLDS}. Defaults, bounds and reasons: docs/anomaly-detection.md`,
    example: { trafficSpike: { minCalls: 100 } },
  })
  thresholds?: Record<string, Record<string, number>>;
}

export class AlertPolicyViewDto extends AlertPolicyDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ nullable: true, type: String }) updatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
}

export class EvaluateMinuteDto {
  @ApiProperty({ description: 'The UTC minute to evaluate (ISO instant; seconds are ignored)' })
  minute!: string;
}
