import { type DynamicModule, Module } from '@nestjs/common';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';
import type { GatewayMetrics } from '@keymeter/gateway';
import { IngestionModule } from './ingestion/ingestion.module';
import type { IngestionModuleOptions } from './ingestion/ingestion.options';
import { MetricsModule } from './metrics/metrics.module';

export interface GatewayModuleOptions {
  readonly checks: readonly DependencyCheck[];
  /** Served at /metrics. */
  readonly metrics?: GatewayMetrics;
  /** `POST /v1/events` and the OpenMeter-compatible `POST /api/v1/events`. */
  readonly ingestion?: IngestionModuleOptions;
}

@Module({})
export class GatewayModule {
  static register(options: GatewayModuleOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        HealthModule.register('gateway', options.checks),
        ...(options.metrics === undefined ? [] : [MetricsModule.register(options.metrics)]),
        ...(options.ingestion === undefined ? [] : [IngestionModule.register(options.ingestion)]),
      ],
    };
  }
}
