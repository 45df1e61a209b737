import { type DynamicModule, Module } from '@nestjs/common';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';

export interface BillingModuleOptions {
  readonly checks: readonly DependencyCheck[];
}

@Module({})
export class BillingModule {
  static register(options: BillingModuleOptions): DynamicModule {
    return { module: BillingModule, imports: [HealthModule.register('billing', options.checks)] };
  }
}
