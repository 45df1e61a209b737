import { ApiProperty } from '@nestjs/swagger';

export class CreateCustomerDto {
  @ApiProperty({ example: 'Analytical Engines Ltd', maxLength: 200 })
  name!: string;

  @ApiProperty({ example: 'billing@analytical.example', description: 'Unique, compared case-insensitively' })
  email!: string;

  @ApiProperty({ example: 'Europe/London', description: 'IANA time zone: billing periods are months in it' })
  timezone!: string;

  @ApiProperty({ example: 'GBP', description: 'ISO 4217 currency code, upper case' })
  currency!: string;
}

export class CustomerDto extends CreateCustomerDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
