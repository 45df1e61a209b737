import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { GatewayMetrics } from '@keymeter/gateway';

export const GATEWAY_METRICS = Symbol('GATEWAY_METRICS');

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics of this gateway (text exposition format)' })
  @ApiProduces('text/plain')
  async render(@Res() res: Response): Promise<void> {
    const text = await this.metrics.render();
    res.setHeader('Content-Type', this.metrics.contentType);
    res.send(text);
  }
}
