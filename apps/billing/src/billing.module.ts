import { type DynamicModule, Module } from '@nestjs/common';
import type { Alerts } from '@keymeter/alerts';
import type { BillingServices } from '@keymeter/billing';
import type { KeyManagement } from '@keymeter/keys';
import type { WebhookEndpointService } from '@keymeter/webhooks';
import { type DependencyCheck, HealthModule } from '@keymeter/platform';
import { AlertsModule } from './alerts/alerts.module';
import { AuthModule } from './auth';
import { CustomersModule } from './customers/customers.module';
import { DashboardModule, type DashboardModuleOptions } from './dashboard/dashboard.module';
import { KeysModule } from './keys/keys.module';
import { BillingApiModule } from './invoices/billing-api.module';
import { PortalLinksModule } from './portal-links/portal-links.module';
import { UsageModule, type UsageModuleOptions } from './usage';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface BillingModuleOptions {
  readonly checks: readonly DependencyCheck[];
  readonly keys: KeyManagement;
  /** Plans, subscriptions, invoices and reports; their routes are mounted when given. */
  readonly billing?: BillingServices;
  /** Usage endpoints (/v1/me/usage, /v1/customers/:id/usage, /v1/reconciliation); absent: not mounted. */
  readonly usage?: UsageModuleOptions;
  /** Alerts API (/v1/alerts, alert policies, /v1/me/alerts); absent: not mounted. */
  readonly alerts?: Pick<Alerts, 'service' | 'evaluator'>;
  /** Webhook endpoints admin API (/v1/webhooks); absent: not mounted. */
  readonly webhooks?: WebhookEndpointService;
  /** The dashboard under /dashboard (always mounted) and what its pipeline summary reads. */
  readonly dashboard?: DashboardModuleOptions;
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
        PortalLinksModule,
        DashboardModule.register(options.dashboard),
        ...(options.billing ? [BillingApiModule.register(options.billing)] : []),
        ...(options.usage ? [UsageModule.register(options.usage, options.keys)] : []),
        ...(options.alerts ? [AlertsModule.register(options.alerts)] : []),
        ...(options.webhooks ? [WebhooksModule.register(options.webhooks)] : []),
      ],
    };
  }
}
