import {
  clickhouseCheck,
  databaseCheck,
  requireClickHouse,
  requireDatabase,
  startHttpApp,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { BillingModule } from './billing.module';

export async function startBilling(infra: Infrastructure): Promise<RunningHttpApp> {
  const checks = [databaseCheck(requireDatabase(infra)), clickhouseCheck(requireClickHouse(infra))];
  return startHttpApp(BillingModule.register({ checks }), {
    name: 'billing',
    host: infra.config.host,
    port: infra.config.ports.billing,
    logger: infra.logger,
    docs: {
      title: 'keymeter billing',
      description: 'Admin and customer API: keys, plans, invoices, reports, alerts',
    },
  });
}
