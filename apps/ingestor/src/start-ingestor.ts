import {
  clickhouseCheck,
  eventLogCheck,
  requireClickHouse,
  requireEventLog,
  startHttpApp,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { IngestorModule } from './ingestor.module';

export async function startIngestor(infra: Infrastructure): Promise<RunningHttpApp> {
  const checks = [eventLogCheck(requireEventLog(infra)), clickhouseCheck(requireClickHouse(infra))];
  return startHttpApp(IngestorModule.register({ checks }), {
    name: 'ingestor',
    host: infra.config.host,
    port: infra.config.ports.ingestor,
    logger: infra.logger,
  });
}
