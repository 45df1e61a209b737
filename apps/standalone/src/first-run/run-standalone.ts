import { CustomerEntity } from '@keymeter/database';
import { requireDatabase, runApps } from '@keymeter/platform';
import { ALL_APPS_NEED, allApps, appUrl } from '../all-apps';
import { renderFirstSteps, type AdminTokenSource } from './first-steps';

/** `npm start`: the three apps on one infrastructure; an install without customers gets first steps. */
export async function runStandalone(): Promise<void> {
  let generated: string | undefined;
  await runApps(
    'standalone',
    ALL_APPS_NEED,
    allApps((plaintext) => (generated = plaintext)),
    {
      onReady: async ({ infra, apps }) => {
        const customers = await requireDatabase(infra).dataSource.getRepository(CustomerEntity).count();
        if (customers > 0) {
          process.stdout.write(
            `${customers} customer${customers === 1 ? '' : 's'} on this install: admin API at ` +
              `${appUrl(apps, 'billing')}/v1 (Authorization: Bearer <admin token>), ` +
              `calls through ${appUrl(apps, 'gateway')}\n`,
          );
          return;
        }
        const adminToken: AdminTokenSource =
          generated !== undefined
            ? { kind: 'generated', plaintext: generated }
            : infra.config.adminToken !== undefined
              ? { kind: 'configured' }
              : { kind: 'earlier' };
        process.stdout.write(
          renderFirstSteps({
            gatewayUrl: appUrl(apps, 'gateway'),
            billingUrl: appUrl(apps, 'billing'),
            adminToken,
            routesConfigured: infra.config.gatewayRoutesFile !== undefined,
            now: new Date(),
          }),
        );
      },
    },
  );
}
