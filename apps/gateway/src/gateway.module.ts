import { type DynamicModule, Module } from '@nestjs/common';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';

export interface GatewayModuleOptions {
  readonly checks: readonly DependencyCheck[];
}

@Module({})
export class GatewayModule {
  static register(options: GatewayModuleOptions): DynamicModule {
    return { module: GatewayModule, imports: [HealthModule.register('gateway', options.checks)] };
  }
}
