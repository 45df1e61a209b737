import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { IngestMetrics } from '@keymeter/ingestion';

/** Prometheus scrape endpoint: lag per partition, rows, batch latency, dead letters, duplicates. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(IngestMetrics) private readonly metrics: IngestMetrics) {}

  @Get()
  async get(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.setHeader('Content-Type', this.metrics.contentType);
    return this.metrics.text();
  }
}
