import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { BillingServices, SubscriptionView } from '@keymeter/billing';
import { AdminAuth } from '../auth';
import { BillingErrorsFilter } from '../invoices/billing-errors.filter';
import { BILLING_SERVICES } from '../invoices/billing-services.token';
import { CreateSubscriptionDto, SubscriptionDto } from './subscriptions.dto';

@ApiTags('subscriptions')
@Controller('v1/customers/:customerId/subscriptions')
@AdminAuth()
@UseFilters(BillingErrorsFilter)
export class SubscriptionsController {
  constructor(@Inject(BILLING_SERVICES) private readonly billing: BillingServices) {}

  /** `{ planId, startsAt }`: the current subscription ends at `startsAt`, splitting that period. */
  @Post()
  @HttpCode(201)
  @ApiBody({ type: CreateSubscriptionDto })
  @ApiCreatedResponse({ type: SubscriptionDto })
  @ApiBadRequestResponse({
    description: 'planId or startsAt invalid, or the plan’s currency is not the customer’s',
  })
  @ApiNotFoundResponse({ description: 'No such customer' })
  @ApiConflictResponse({
    description: 'startsAt not after the latest subscription, or in a finalized period',
  })
  subscribe(@Param('customerId') customerId: string, @Body() body: unknown): Promise<SubscriptionView> {
    return this.billing.subscriptions.subscribe(customerId, body);
  }

  @Get()
  @ApiOkResponse({ type: [SubscriptionDto] })
  @ApiNotFoundResponse({ description: 'No such customer' })
  list(@Param('customerId') customerId: string): Promise<SubscriptionView[]> {
    return this.billing.subscriptions.list(customerId);
  }
}
