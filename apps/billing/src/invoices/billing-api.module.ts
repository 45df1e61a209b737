import { type DynamicModule, Module } from '@nestjs/common';
import type { BillingServices } from '@keymeter/billing';
import { PlansController } from '../plans/plans.controller';
import { ReportsController } from '../reports/reports.controller';
import { SubscriptionsController } from '../subscriptions/subscriptions.controller';
import { BILLING_SERVICES } from './billing-services.token';
import { InvoicesController } from './invoices.controller';
import { MeInvoicesController } from './me-invoices.controller';

/** Plans, subscriptions, invoices (admin and customer side) and finance reports. Needs the AuthModule. */
@Module({})
export class BillingApiModule {
  static register(services: BillingServices): DynamicModule {
    return {
      module: BillingApiModule,
      controllers: [
        PlansController,
        SubscriptionsController,
        InvoicesController,
        MeInvoicesController,
        ReportsController,
      ],
      providers: [{ provide: BILLING_SERVICES, useValue: services }],
    };
  }
}
