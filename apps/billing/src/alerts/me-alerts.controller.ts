import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AlertService, type AlertView } from '@keymeter/alerts';
import type { AuthenticatedCustomer } from '@keymeter/keys';
import { CurrentCustomer, RequireScope } from '../auth';
import { AlertDto } from './alerts.dto';

@ApiTags('customer API')
@Controller('v1/me')
export class MeAlertsController {
  constructor(private readonly alerts: AlertService) {}

  @Get('alerts')
  @RequireScope('usage:read')
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'acknowledged', 'resolved'] })
  @ApiQuery({ name: 'kind', required: false })
  @ApiQuery({ name: 'keyId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiQuery({ name: 'before', required: false })
  @ApiOkResponse({
    type: [AlertDto],
    description: "Alerts on the calling key's customer's keys, and no other",
  })
  list(
    @CurrentCustomer() caller: AuthenticatedCustomer,
    @Query('status') status?: string,
    @Query('kind') kind?: string,
    @Query('keyId') keyId?: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
  ): Promise<AlertView[]> {
    return this.alerts.list({ status, kind, keyId, limit, before, customerId: caller.customerId });
  }

  @Get('alerts/:id')
  @RequireScope('usage:read')
  @ApiOkResponse({ type: AlertDto })
  @ApiNotFoundResponse({ description: 'Unknown, or an alert of another customer' })
  get(@CurrentCustomer() caller: AuthenticatedCustomer, @Param('id') id: string): Promise<AlertView> {
    return this.alerts.get(id, caller.customerId);
  }
}
