import { type DynamicModule, Module } from '@nestjs/common';
import type { KeyManagement } from '@keymeter/keys';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';
import { AuthModule } from './auth';
import { CustomersModule } from './customers/customers.module';
import { KeysModule } from './keys/keys.module';

export interface BillingModuleOptions {
  readonly checks: readonly DependencyCheck[];
  readonly keys: KeyManagement;
}

@Module({})
export class BillingModule {
  static register(options: BillingModuleOptions): DynamicModule {
    return {
      module: BillingModule,
      imports: [
        HealthModule.register('billing', options.checks),
        AuthModule.register(options.keys),
        CustomersModule.register(options.keys),
        KeysModule.register(options.keys),
      ],
    };
  }
}
