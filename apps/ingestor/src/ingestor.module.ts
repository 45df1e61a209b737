import { type DynamicModule, Module } from '@nestjs/common';
import { IngestMetrics } from '@keymeter/ingestion';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';
import { MetricsController } from './metrics.controller';

export interface IngestorModuleOptions {
  readonly checks: readonly DependencyCheck[];
  readonly metrics: IngestMetrics;
}

@Module({})
export class IngestorModule {
  static register(options: IngestorModuleOptions): DynamicModule {
    return {
      module: IngestorModule,
      imports: [HealthModule.register('ingestor', options.checks)],
      controllers: [MetricsController],
      providers: [{ provide: IngestMetrics, useValue: options.metrics }],
    };
  }
}
