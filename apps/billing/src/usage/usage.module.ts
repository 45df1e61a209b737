import { type DynamicModule, Module } from '@nestjs/common';
import { CustomerService, type KeyManagement } from '@keymeter/keys';
import { CustomerUsageController } from './customer-usage.controller';
import { MeUsageController } from './me-usage.controller';
import { ReconciliationController } from './reconciliation.controller';
import { USAGE_OPTIONS, type UsageModuleOptions } from './usage.tokens';

/**
 * Usage endpoints: GET /v1/me/usage (customer key), GET /v1/customers/:id/usage and GET /v1/reconciliation
 * (admin).
 */
@Module({})
export class UsageModule {
  static register(options: UsageModuleOptions, keys: Pick<KeyManagement, 'customers'>): DynamicModule {
    return {
      module: UsageModule,
      controllers: [MeUsageController, CustomerUsageController, ReconciliationController],
      providers: [
        { provide: USAGE_OPTIONS, useValue: options },
        { provide: CustomerService, useValue: keys.customers },
      ],
    };
  }
}
