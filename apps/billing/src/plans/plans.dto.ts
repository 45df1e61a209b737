import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const PRICE = { type: String, description: 'Decimal string, up to 12 fractional digits', example: '0.0004' };
const QUANTITY = {
  oneOf: [{ type: 'string' }, { type: 'integer' }],
  description: 'Whole or decimal number of units (decimal string, or a safe integer)',
};

export class PriceTierDto {
  @ApiProperty({ ...QUANTITY, nullable: true, description: 'Inclusive upper bound; null for the last tier' })
  upTo!: string | number | null;

  @ApiProperty(PRICE)
  unitPrice!: string;

  @ApiPropertyOptional({
    ...PRICE,
    description: 'Charged once when usage enters (graduated) or falls in (volume) the tier',
  })
  flatFee?: string;
}

/** One of the four price models, told apart by `type` (docs/pricing.md). */
export class PriceModelDto {
  @ApiProperty({ enum: ['per_unit', 'graduated', 'volume', 'package'] })
  type!: string;

  @ApiPropertyOptional({ ...QUANTITY, description: 'Units free of charge, subtracted first (default 0)' })
  freeUnits?: string | number;

  @ApiPropertyOptional({ ...PRICE, description: 'per_unit: price of each billable unit' })
  unitPrice?: string;

  @ApiPropertyOptional({ type: [PriceTierDto], description: 'graduated and volume: ascending tiers' })
  tiers?: PriceTierDto[];

  @ApiPropertyOptional({ ...QUANTITY, description: 'package: units per block (a whole number ≥ 1)' })
  packageSize?: string | number;

  @ApiPropertyOptional({ ...PRICE, description: 'package: price per block; a started block counts whole' })
  packagePrice?: string;
}

export class PlanMetersDto {
  @ApiPropertyOptional({ type: PriceModelDto, description: 'Billable calls' })
  requests?: PriceModelDto;

  @ApiPropertyOptional({ type: PriceModelDto, description: 'Sum of the units of billable calls' })
  credits?: PriceModelDto;

  @ApiPropertyOptional({ type: PriceModelDto, description: 'Sum of the response bytes of billable calls' })
  egress_bytes?: PriceModelDto;
}

export class CreatePlanDto {
  @ApiProperty({ example: 'Pro', maxLength: 200 })
  name!: string;

  @ApiProperty({ example: 'USD', description: 'ISO 4217; must be the currency of subscribed customers' })
  currency!: string;

  @ApiPropertyOptional({ example: '29.00', description: 'Recurring fee per period, at the minor unit' })
  fixedFee?: string;

  @ApiPropertyOptional({
    example: '100.00',
    description: 'Minimum usage per period; a true-up line tops it up',
  })
  minimumCommitment?: string;

  @ApiProperty({
    type: PlanMetersDto,
    description: 'A price model per meter; meters left out are not charged',
  })
  meters!: PlanMetersDto;
}

export class PlanDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Pro' })
  name!: string;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty({ type: String, nullable: true, example: '29.00' })
  fixedFee!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  minimumCommitment!: string | null;

  @ApiProperty({ type: PlanMetersDto })
  meters!: PlanMetersDto;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
