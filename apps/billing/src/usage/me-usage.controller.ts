import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedCustomer } from '@keymeter/keys';
import { usageSeries, type UsageSeries } from '@keymeter/usage';
import { CurrentCustomer, RequireScope } from '../auth';
import { asHttp, usageQueryFrom } from './usage-request';
import { USAGE_OPTIONS, type UsageModuleOptions } from './usage.tokens';

export const USAGE_QUERY_DOCS = [
  { name: 'from', required: true, description: 'Start, inclusive (ISO 8601 with Z or offset)' },
  { name: 'to', required: true, description: 'End, exclusive' },
  { name: 'granularity', required: false, enum: ['minute', 'hour', 'day', 'month'] },
  { name: 'groupBy', required: false, enum: ['key', 'route', 'status'] },
  { name: 'tz', required: false, description: 'IANA time zone of the buckets (default UTC)' },
  { name: 'keyId', required: false, description: 'Only this key' },
] as const;

/** The customer API: a key with `usage:read` reads its own customer's usage and nothing else. */
@ApiTags('customer API')
@Controller('v1/me')
export class MeUsageController {
  constructor(@Inject(USAGE_OPTIONS) private readonly options: UsageModuleOptions) {}

  @Get('usage')
  @RequireScope('usage:read')
  @ApiQuery(USAGE_QUERY_DOCS[0])
  @ApiQuery(USAGE_QUERY_DOCS[1])
  @ApiQuery(USAGE_QUERY_DOCS[2])
  @ApiQuery(USAGE_QUERY_DOCS[3])
  @ApiQuery(USAGE_QUERY_DOCS[4])
  @ApiQuery(USAGE_QUERY_DOCS[5])
  @ApiOkResponse({
    description: 'Meters requests, credits, egress_bytes per bucket (and group), decimal strings',
  })
  @ApiBadRequestResponse({ description: 'Invalid or unknown parameter (details name the field)' })
  usage(
    @CurrentCustomer() caller: AuthenticatedCustomer,
    @Query() query: Record<string, unknown>,
  ): Promise<UsageSeries> {
    // The customer is the key's, whatever the query says: customerId is not a parameter (400).
    return asHttp(() =>
      usageSeries(this.options.clickhouse.client, usageQueryFrom(caller.customerId, query)),
    );
  }
}
