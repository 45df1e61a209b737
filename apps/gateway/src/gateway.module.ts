import { type DynamicModule, Module } from '@nestjs/common';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';
import type { GatewayMetrics } from '@keymeter/gateway';
import { MetricsModule } from './metrics/metrics.module';

export interface GatewayModuleOptions {
  readonly checks: readonly DependencyCheck[];
  /** Served at /metrics. */
  readonly metrics?: GatewayMetrics;
}

@Module({})
export class GatewayModule {
  static register(options: GatewayModuleOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        HealthModule.register('gateway', options.checks),
        ...(options.metrics === undefined ? [] : [MetricsModule.register(options.metrics)]),
      ],
    };
  }
}
