import { type DynamicModule, Module } from '@nestjs/common';
import { CustomerService, type KeyManagement } from '@keymeter/keys';
import { CustomersController } from './customers.controller';

@Module({})
export class CustomersModule {
  static register(keys: Pick<KeyManagement, 'customers'>): DynamicModule {
    return {
      module: CustomersModule,
      controllers: [CustomersController],
      providers: [{ provide: CustomerService, useValue: keys.customers }],
      exports: [CustomerService],
    };
  }
}
