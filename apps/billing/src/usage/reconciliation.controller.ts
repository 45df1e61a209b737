import { Controller, Get, HttpStatus, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiError } from '@keymeter/platform';
import { reconcile, type ReconciliationReport } from '@keymeter/usage';
import { AdminAuth } from '../auth';
import { asHttp } from './usage-request';
import { USAGE_OPTIONS, type UsageModuleOptions } from './usage.tokens';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(value: unknown, field: string): Date {
  const date = typeof value === 'string' && INSTANT.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw ApiError.validation([
      { field, reason: 'is required as an ISO 8601 date-time with Z or an offset' },
    ]);
  }
  return date;
}

/** Finance runs this before closing a month: the event log against ClickHouse for an event-time range. */
@ApiTags('usage')
@AdminAuth()
@Controller('v1/reconciliation')
export class ReconciliationController {
  constructor(@Inject(USAGE_OPTIONS) private readonly options: UsageModuleOptions) {}

  @Get()
  @ApiQuery({ name: 'from', required: true, description: 'Event-time start, inclusive' })
  @ApiQuery({ name: 'to', required: true, description: 'Event-time end, exclusive' })
  @ApiQuery({
    name: 'lateWindowHours',
    required: false,
    description: 'Read the log this long past `to` (default 24)',
  })
  @ApiQuery({
    name: 'mode',
    required: false,
    enum: ['auto', 'exact', 'sampled'],
    description:
      'exact: every log record; sampled: drawn offset windows (99 % confidence of catching a discrepancy in 1 % of them); auto (default): exact up to 5 000 000 records',
  })
  @ApiOkResponse({
    description: 'Counts per partition and in ClickHouse; missing, duplicate and unexplained ids',
  })
  async reconcile(@Query() query: Record<string, unknown>): Promise<ReconciliationReport> {
    const from = instant(query.from, 'from');
    const to = instant(query.to, 'to');
    let lateWindowMs: number | undefined;
    if (query.lateWindowHours !== undefined) {
      const hours = Number(query.lateWindowHours);
      if (
        typeof query.lateWindowHours !== 'string' ||
        !Number.isFinite(hours) ||
        hours < 0 ||
        hours > 24 * 400
      ) {
        throw ApiError.validation([
          { field: 'lateWindowHours', reason: 'must be a number of hours from 0 to 9600' },
        ]);
      }
      lateWindowMs = hours * 3_600_000;
    }
    const mode = query.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'exact' && mode !== 'sampled') {
      throw ApiError.validation([{ field: 'mode', reason: 'must be one of auto, exact, sampled' }]);
    }
    const eventLog = this.options.eventLog;
    if (!eventLog) {
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', 'reconciliation needs the event log');
    }
    return asHttp(() =>
      reconcile({
        eventLog,
        client: this.options.clickhouse.client,
        topic: this.options.topic ?? 'usage-events',
        from,
        to,
        ...(lateWindowMs === undefined ? {} : { lateWindowMs }),
        mode,
      }),
    );
  }
}
