import { ApiProperty } from '@nestjs/swagger';

const AMOUNT = { type: String, description: 'Decimal string at the currency’s minor unit', example: '12.30' };

/** One row of the usage report: a customer's key and meter in a part, with its share of the line. */
export class UsageReportRowDto {
  @ApiProperty({ example: '2026-11' })
  period!: string;

  @ApiProperty({ format: 'date-time' })
  periodStart!: string;

  @ApiProperty({ format: 'date-time' })
  periodEnd!: string;

  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty()
  customerName!: string;

  @ApiProperty({ format: 'uuid' })
  invoiceId!: string;

  @ApiProperty({ enum: ['draft', 'finalized'] })
  invoiceStatus!: string;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty({ description: 'Empty for adjustments' })
  planId!: string;

  @ApiProperty()
  planName!: string;

  @ApiProperty({ enum: ['usage', 'fixed_fee', 'commitment_true_up', 'adjustment'] })
  lineKind!: string;

  @ApiProperty({ description: 'requests, credits or egress_bytes; empty for lines without a meter' })
  meter!: string;

  @ApiProperty({ description: 'ISO 8601 UTC; empty for adjustments' })
  partFrom!: string;

  @ApiProperty({ description: 'ISO 8601 UTC; empty for adjustments' })
  partTo!: string;

  @ApiProperty({ description: 'Empty for rows without a key (fees, true-ups, adjustments)' })
  keyId!: string;

  @ApiProperty()
  keyName!: string;

  @ApiProperty({ description: 'The key’s quantity of the meter in the part; empty for other lines' })
  quantity!: string;

  @ApiProperty({
    ...AMOUNT,
    description: 'The key’s share of the line; an invoice’s rows add up to its total',
  })
  amount!: string;
}

/** Revenue of a period per currency and plan. */
export class RevenueRowDto {
  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty({ description: 'Empty for the late-usage adjustments row' })
  planId!: string;

  @ApiProperty({ example: 'Pro' })
  planName!: string;

  @ApiProperty()
  invoices!: number;

  @ApiProperty(AMOUNT)
  fixedFees!: string;

  @ApiProperty(AMOUNT)
  usage!: string;

  @ApiProperty(AMOUNT)
  commitmentTrueUps!: string;

  @ApiProperty(AMOUNT)
  adjustments!: string;

  @ApiProperty(AMOUNT)
  total!: string;
}

export class UsageReportDto {
  @ApiProperty({ example: '2026-11' })
  period!: string;

  @ApiProperty({ type: [UsageReportRowDto] })
  rows!: UsageReportRowDto[];

  @ApiProperty({ type: [RevenueRowDto] })
  revenue!: RevenueRowDto[];
}

export class RevenueReportDto {
  @ApiProperty({ example: '2026-11' })
  period!: string;

  @ApiProperty({ type: [RevenueRowDto] })
  revenue!: RevenueRowDto[];
}
