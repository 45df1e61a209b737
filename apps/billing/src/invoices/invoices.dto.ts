import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PlanDto } from '../plans/plans.dto';

const AMOUNT = { type: String, description: 'Decimal string at the currency’s minor unit', example: '12.30' };
const EXACT = { type: String, description: 'Exact decimal string, not rounded' };

export class RunInvoicesDto {
  @ApiProperty({
    example: '2026-11',
    description: 'Billing period YYYY-MM (a calendar month in each customer’s zone)',
  })
  period!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this customer; all customers when absent' })
  customerId?: string;
}

export class UsageCutoffDto {
  @ApiProperty({ format: 'date-time' })
  asOf!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { '0': '1042', '1': '977' },
    description: 'Per log partition, the first offset NOT included',
  })
  offsets!: Record<string, string>;
}

export class TimeShareDto {
  @ApiProperty({ example: '1' })
  numerator!: string;

  @ApiProperty({ example: '3' })
  denominator!: string;
}

export class QuantitiesDto {
  @ApiProperty({ example: '12345' })
  requests!: string;

  @ApiProperty({ example: '6172.5' })
  credits!: string;

  @ApiProperty({ example: '52428800' })
  egress_bytes!: string;
}

export class InvoicePartDto {
  @ApiProperty()
  index!: number;

  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty({ type: PlanDto, description: 'The plan as it was when the invoice was computed' })
  plan!: PlanDto;

  @ApiProperty({ format: 'date-time' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ type: TimeShareDto, description: 'Share of the period, prorating fee and commitment' })
  timeShare!: TimeShareDto;

  @ApiProperty({ type: QuantitiesDto, description: 'Exact quantities as of the usage cut-off' })
  quantities!: QuantitiesDto;
}

/** A tier or package entry of a usage line's breakdown. */
export class LineComponentDto {
  @ApiProperty({ enum: ['tier', 'package'] })
  kind!: string;

  @ApiPropertyOptional({ description: 'tier: index of the tier in the price model' })
  tier?: number;

  @ApiProperty({ description: 'Billable units before this entry (exclusive)' })
  from!: string;

  @ApiProperty({ description: 'Billable units up to this entry (inclusive)' })
  to!: string;

  @ApiProperty()
  units!: string;

  @ApiPropertyOptional()
  unitPrice?: string;

  @ApiPropertyOptional()
  flatFee?: string;

  @ApiPropertyOptional()
  packageSize?: string;

  @ApiPropertyOptional()
  packages?: string;

  @ApiPropertyOptional()
  packagePrice?: string;

  @ApiProperty(EXACT)
  amount!: string;

  @ApiProperty({ type: String, description: 'Rounded for display only' })
  displayAmount!: string;
}

/** One invoice line; which optional fields are present depends on `kind`. */
export class InvoiceLineDto {
  @ApiProperty({ enum: ['fixed_fee', 'usage', 'commitment_true_up', 'adjustment'] })
  kind!: string;

  @ApiProperty({ example: 'Requests' })
  description!: string;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty(AMOUNT)
  amount!: string;

  @ApiProperty(EXACT)
  unroundedAmount!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Part of the period; null for adjustments' })
  partIndex!: number | null;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  planId!: string | null;

  @ApiProperty({ type: String, nullable: true, enum: ['requests', 'credits', 'egress_bytes'] })
  meter!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'Adjustments: the invoice adjusted',
  })
  sourceInvoiceId!: string | null;

  @ApiPropertyOptional({ enum: ['per_unit', 'graduated', 'volume', 'package'], description: 'usage' })
  priceModel?: string;

  @ApiPropertyOptional({ description: 'usage' })
  quantity?: string;

  @ApiPropertyOptional({ description: 'usage' })
  freeUnitsApplied?: string;

  @ApiPropertyOptional({ description: 'usage' })
  billableQuantity?: string;

  @ApiPropertyOptional({ type: [LineComponentDto], description: 'usage: units and amount per tier or block' })
  breakdown?: LineComponentDto[];

  @ApiPropertyOptional({ description: 'fixed_fee: the fee for a full period' })
  fullAmount?: string;

  @ApiPropertyOptional({ description: 'fixed_fee and commitment_true_up' })
  prorationFactor?: string;

  @ApiPropertyOptional({ description: 'commitment_true_up' })
  commitment?: string;

  @ApiPropertyOptional({ description: 'commitment_true_up' })
  proratedCommitment?: string;

  @ApiPropertyOptional({ description: 'commitment_true_up: sum of the usage lines' })
  usageTotal?: string;
}

export class InvoiceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty({ example: '2026-11' })
  period!: string;

  @ApiProperty({ format: 'date-time' })
  periodStart!: string;

  @ApiProperty({ format: 'date-time' })
  periodEnd!: string;

  @ApiProperty({ example: 'Europe/Paris' })
  timezone!: string;

  @ApiProperty({ example: 'EUR' })
  currency!: string;

  @ApiProperty({ enum: ['draft', 'finalized', 'void'] })
  status!: string;

  @ApiProperty({ type: UsageCutoffDto, description: 'The ingestion watermark the usage was read up to' })
  usageCutoff!: UsageCutoffDto;

  @ApiProperty({ type: [InvoicePartDto] })
  parts!: InvoicePartDto[];

  @ApiProperty({ type: [InvoiceLineDto] })
  lines!: InvoiceLineDto[];

  @ApiProperty({ ...AMOUNT, description: 'Sum of the lines other than adjustments' })
  chargesTotal!: string;

  @ApiProperty({ ...AMOUNT, description: 'Sum of the late-usage adjustment lines' })
  adjustmentsTotal!: string;

  @ApiProperty({ ...AMOUNT, description: 'Exact sum of the lines' })
  total!: string;

  @ApiProperty({ format: 'date-time' })
  computedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finalizedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  voidedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CustomerRunResultDto {
  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty({
    enum: ['created', 'updated', 'unchanged', 'skipped'],
    description: 'unchanged: already finalized; skipped: no subscription in the period and nothing to adjust',
  })
  outcome!: string;

  @ApiProperty({ type: InvoiceDto, nullable: true })
  invoice!: InvoiceDto | null;
}

export class InvoiceRunResultDto {
  @ApiProperty({ example: '2026-11' })
  period!: string;

  @ApiProperty({ type: [CustomerRunResultDto] })
  results!: CustomerRunResultDto[];
}

export class InvoiceDifferenceDto {
  @ApiProperty({ example: 'lines[2].amount' })
  field!: string;

  @ApiProperty({ example: '4.00' })
  recorded!: string;

  @ApiProperty({ example: '4.10' })
  rederived!: string;
}

export class RederivationResultDto {
  @ApiProperty({ format: 'uuid' })
  invoiceId!: string;

  @ApiProperty()
  identical!: boolean;

  @ApiProperty(AMOUNT)
  recordedTotal!: string;

  @ApiProperty(AMOUNT)
  rederivedTotal!: string;

  @ApiProperty({ type: [InvoiceDifferenceDto] })
  differences!: InvoiceDifferenceDto[];
}

export class UpcomingInvoiceDto {
  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty({ example: '2026-11' })
  period!: string;

  @ApiProperty({ format: 'date-time' })
  periodStart!: string;

  @ApiProperty({ format: 'date-time' })
  periodEnd!: string;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty({ type: UsageCutoffDto })
  usageCutoff!: UsageCutoffDto;

  @ApiProperty({ type: [InvoicePartDto] })
  parts!: InvoicePartDto[];

  @ApiProperty({ type: [InvoiceLineDto] })
  lines!: InvoiceLineDto[];

  @ApiProperty(AMOUNT)
  chargesTotal!: string;

  @ApiProperty(AMOUNT)
  adjustmentsTotal!: string;

  @ApiProperty(AMOUNT)
  total!: string;
}
