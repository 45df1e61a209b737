import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CustomerService } from '@keymeter/keys';
import { usageSeries, type UsageSeries } from '@keymeter/usage';
import { AdminAuth } from '../auth';
import { USAGE_QUERY_DOCS } from './me-usage.controller';
import { asHttp, usageQueryFrom } from './usage-request';
import { USAGE_OPTIONS, type UsageModuleOptions } from './usage.tokens';

/** The admin equivalent of GET /v1/me/usage, for any customer. */
@ApiTags('usage')
@AdminAuth()
@Controller('v1/customers')
export class CustomerUsageController {
  constructor(
    @Inject(USAGE_OPTIONS) private readonly options: UsageModuleOptions,
    private readonly customers: CustomerService,
  ) {}

  @Get(':id/usage')
  @ApiQuery(USAGE_QUERY_DOCS[0])
  @ApiQuery(USAGE_QUERY_DOCS[1])
  @ApiQuery(USAGE_QUERY_DOCS[2])
  @ApiQuery(USAGE_QUERY_DOCS[3])
  @ApiQuery(USAGE_QUERY_DOCS[4])
  @ApiQuery(USAGE_QUERY_DOCS[5])
  @ApiOkResponse({ description: 'Same shape as GET /v1/me/usage' })
  @ApiNotFoundResponse({ description: 'No such customer' })
  async usage(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<UsageSeries> {
    const series = usageQueryFrom(id, query);
    await this.customers.get(id); // 404 for an unknown customer, rather than an empty series
    return asHttp(() => usageSeries(this.options.clickhouse.client, series));
  }
}
