import 'reflect-metadata';
import { runApps } from '@keymeter/platform';
import { startIngestor } from './start-ingestor';

void runApps('ingestor', { eventLog: true, clickhouse: true }, [startIngestor]);
