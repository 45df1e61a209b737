import { ApiProperty } from '@nestjs/swagger';

export class CreateSubscriptionDto {
  @ApiProperty({ format: 'uuid', description: 'A plan in the customer’s currency' })
  planId!: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-11-15T00:00:00+01:00',
    description: 'ISO 8601 instant with an offset; ends the current subscription there',
  })
  startsAt!: string;
}

export class SubscriptionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty({ format: 'uuid' })
  planId!: string;

  @ApiProperty({ format: 'date-time' })
  startsAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Null while current' })
  endsAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
