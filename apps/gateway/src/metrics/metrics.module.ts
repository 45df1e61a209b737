import { type DynamicModule, Module } from '@nestjs/common';
import type { GatewayMetrics } from '@keymeter/gateway';
import { GATEWAY_METRICS, MetricsController } from './metrics.controller';

@Module({})
export class MetricsModule {
  static register(metrics: GatewayMetrics): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: GATEWAY_METRICS, useValue: metrics }],
    };
  }
}
