import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import type { DependencyCheck } from './health.types';

@Module({})
export class HealthModule {
  static register(app: string, checks: readonly DependencyCheck[]): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: HealthService, useValue: new HealthService(app, checks) }],
    };
  }
}
