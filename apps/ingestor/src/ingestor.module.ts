import { type DynamicModule, Module } from '@nestjs/common';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';

export interface IngestorModuleOptions {
  readonly checks: readonly DependencyCheck[];
}

@Module({})
export class IngestorModule {
  static register(options: IngestorModuleOptions): DynamicModule {
    return { module: IngestorModule, imports: [HealthModule.register('ingestor', options.checks)] };
  }
}
