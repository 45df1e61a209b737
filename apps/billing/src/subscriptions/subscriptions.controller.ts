import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { BillingServices, SubscriptionView } from '@keymeter/billing';
import { AdminAuth } from '../auth';
import { BillingErrorsFilter } from '../invoices/billing-errors.filter';
import { BILLING_SERVICES } from '../invoices/billing-services.token';

@ApiTags('subscriptions')
@Controller('v1/customers/:customerId/subscriptions')
@AdminAuth()
@UseFilters(BillingErrorsFilter)
export class SubscriptionsController {
  constructor(@Inject(BILLING_SERVICES) private readonly billing: BillingServices) {}

  /** `{ planId, startsAt }`: the current subscription ends at `startsAt`, splitting that period. */
  @Post()
  @HttpCode(201)
  subscribe(@Param('customerId') customerId: string, @Body() body: unknown): Promise<SubscriptionView> {
    return this.billing.subscriptions.subscribe(customerId, body);
  }

  @Get()
  list(@Param('customerId') customerId: string): Promise<SubscriptionView[]> {
    return this.billing.subscriptions.list(customerId);
  }
}
