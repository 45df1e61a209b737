import { Controller, Get, Inject, Query, Res, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  BillingError,
  REVENUE_COLUMNS,
  toCsv,
  USAGE_REPORT_COLUMNS,
  type BillingServices,
  type RevenueRow,
  type UsageReport,
} from '@keymeter/billing';
import { AdminAuth } from '../auth';
import { BillingErrorsFilter } from '../invoices/billing-errors.filter';
import { BILLING_SERVICES } from '../invoices/billing-services.token';
import { RevenueReportDto, UsageReportDto } from './reports.dto';

type Format = 'json' | 'csv';

function readFormat(value: string | undefined): Format {
  if (value === undefined || value === 'json' || value === 'csv') return value ?? 'json';
  throw BillingError.invalid([
    { field: 'format', reason: `must be csv or json; got ${JSON.stringify(value)}` },
  ]);
}

function sendCsv(response: Response, filename: string, body: string): void {
  response
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('Content-Disposition', `attachment; filename="${filename}"`)
    .send(body);
}

@ApiTags('reports')
@Controller('v1/reports')
@AdminAuth()
@UseFilters(BillingErrorsFilter)
export class ReportsController {
  constructor(@Inject(BILLING_SERVICES) private readonly billing: BillingServices) {}

  /** Per customer, key and meter with amounts (usage lines split across keys pro rata), from the period's invoices. */
  @Get('usage')
  @ApiQuery({ name: 'period', required: true, example: '2026-11' })
  @ApiQuery({ name: 'format', enum: ['json', 'csv'], required: false })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: UsageReportDto,
    description: 'JSON; with format=csv the rows as CSV (same columns)',
  })
  @ApiBadRequestResponse({ description: 'period or format invalid' })
  async usage(
    @Query('period') period: string | undefined,
    @Query('format') formatParam: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UsageReport | undefined> {
    const format = readFormat(formatParam);
    const report = await this.billing.reports.build(period);
    if (format === 'json') return report;
    sendCsv(response, `usage-${report.period}.csv`, toCsv(USAGE_REPORT_COLUMNS, report.rows));
    return undefined;
  }

  /** Revenue of the period per currency and plan. */
  @Get('revenue')
  @ApiQuery({ name: 'period', required: true, example: '2026-11' })
  @ApiQuery({ name: 'format', enum: ['json', 'csv'], required: false })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: RevenueReportDto, description: 'JSON; with format=csv the revenue rows as CSV' })
  @ApiBadRequestResponse({ description: 'period or format invalid' })
  async revenue(
    @Query('period') period: string | undefined,
    @Query('format') formatParam: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ period: string; revenue: RevenueRow[] } | undefined> {
    const format = readFormat(formatParam);
    const report = await this.billing.reports.build(period);
    if (format === 'json') return { period: report.period, revenue: report.revenue };
    sendCsv(response, `revenue-${report.period}.csv`, toCsv(REVENUE_COLUMNS, report.revenue));
    return undefined;
  }
}
