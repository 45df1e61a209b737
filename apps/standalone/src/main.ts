import 'reflect-metadata';
import { runApps } from '@keymeter/platform';
import { startBilling } from '../../billing/src/start-billing';
import { startGateway } from '../../gateway/src/start-gateway';
import { startIngestor } from '../../ingestor/src/start-ingestor';

// All three apps in one process, sharing one set of (by default embedded) infrastructure.
void runApps('standalone', { eventLog: true, clickhouse: true, database: true }, [
  startGateway,
  startIngestor,
  startBilling,
]);
