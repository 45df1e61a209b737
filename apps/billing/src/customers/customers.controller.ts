import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { adminActor, CustomerService, type AdminIdentity, type CustomerView } from '@keymeter/keys';
import { AdminAuth, CurrentAdmin } from '../auth';
import { CreateCustomerDto, CustomerDto } from './customers.dto';

@ApiTags('customers')
@AdminAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomerService) {}

  @Post()
  @ApiBody({ type: CreateCustomerDto })
  @ApiCreatedResponse({ type: CustomerDto })
  @ApiBadRequestResponse({ description: 'Invalid field (code `invalid_request`, details name each field)' })
  @ApiConflictResponse({ description: 'A customer with this email exists' })
  create(@Body() body: unknown, @CurrentAdmin() admin: AdminIdentity): Promise<CustomerView> {
    return this.customers.create(body, adminActor(admin));
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<CustomerView> {
    return this.customers.get(id);
  }
}
