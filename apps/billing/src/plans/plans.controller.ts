import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { BillingServices, StoredPlan } from '@keymeter/billing';
import { AdminAuth } from '../auth';
import { BillingErrorsFilter } from '../invoices/billing-errors.filter';
import { BILLING_SERVICES } from '../invoices/billing-services.token';
import { CreatePlanDto, PlanDto } from './plans.dto';

@ApiTags('plans')
@Controller('v1/plans')
@AdminAuth()
@UseFilters(BillingErrorsFilter)
export class PlansController {
  constructor(@Inject(BILLING_SERVICES) private readonly billing: BillingServices) {}

  /** Creates a plan: currency, optional fixedFee and minimumCommitment, a price model per meter. */
  @Post()
  @HttpCode(201)
  @ApiBody({ type: CreatePlanDto })
  @ApiCreatedResponse({ type: PlanDto })
  @ApiBadRequestResponse({
    description: 'A field is invalid; details name it, e.g. meters.credits.tiers[1].upTo',
  })
  create(@Body() body: unknown): Promise<StoredPlan> {
    return this.billing.plans.create(body);
  }

  @Get()
  @ApiOkResponse({ type: [PlanDto] })
  list(): Promise<StoredPlan[]> {
    return this.billing.plans.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: PlanDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<StoredPlan> {
    return this.billing.plans.get(id);
  }
}
