import 'reflect-metadata';
import { runApps } from '@keymeter/platform';
import { startBilling } from './start-billing';

void runApps('billing', { database: true, clickhouse: true, eventLog: true }, [startBilling]);
