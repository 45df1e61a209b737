import 'reflect-metadata';
import { runApps } from '@keymeter/platform';
import { startGateway } from './start-gateway';

void runApps('gateway', { eventLog: true }, [startGateway]);
