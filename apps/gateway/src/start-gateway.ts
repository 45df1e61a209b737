import {
  eventLogCheck,
  requireEventLog,
  startHttpApp,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { GatewayModule } from './gateway.module';

export async function startGateway(infra: Infrastructure): Promise<RunningHttpApp> {
  const eventLog = requireEventLog(infra);
  return startHttpApp(GatewayModule.register({ checks: [eventLogCheck(eventLog)] }), {
    name: 'gateway',
    host: infra.config.host,
    port: infra.config.ports.gateway,
    logger: infra.logger,
    docs: { title: 'keymeter gateway', description: 'Authenticating reverse proxy and event ingestion' },
  });
}
