import { Readable } from 'node:stream';
import { Controller, Get, Inject, Query, Res, StreamableFile, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  BillingError,
  csvPieces,
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

/** Reads the first `count` pieces now (errors surface here) and gives them back followed by the rest. */
async function readAhead(pieces: AsyncGenerator<string>, count: number): Promise<AsyncGenerator<string>> {
  const first: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await pieces.next();
    if (next.done) break;
    first.push(next.value);
  }
  return (async function* () {
    yield* first;
    yield* pieces;
  })();
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
  ): Promise<UsageReport | StreamableFile> {
    const format = readFormat(formatParam);
    if (format === 'json') return this.billing.reports.build(period);
    // Streamed chunk by chunk of customers. The first chunk is read before answering, so a store that
    // cannot answer still gets the JSON error; a failure later cuts the download short.
    const report = this.billing.reports.stream(period);
    const pieces = await readAhead(csvPieces(USAGE_REPORT_COLUMNS, report.chunks), 2);
    return new StreamableFile(Readable.from(pieces, { objectMode: false }), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="usage-${report.period}.csv"`,
    });
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
    const report = await this.billing.reports.revenue(period);
    if (format === 'json') return report;
    sendCsv(response, `revenue-${report.period}.csv`, toCsv(REVENUE_COLUMNS, report.revenue));
    return undefined;
  }
}
