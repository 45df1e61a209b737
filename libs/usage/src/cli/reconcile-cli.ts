import { loadConfig } from '@keymeter/config';
import { connectClickHouse, createEventLog, createProgress } from '@keymeter/platform';
import { reconcile, type ReconciliationReport } from '../reconcile/reconcile';
import { instantArg, parseArgs } from './cli-args';

/**
 * `npm run reconcile -- --from ISO --to ISO [--late-window-hours N] [--max-records N]`: prints the
 * reconciliation report as JSON on stdout; exit status 0 when clean, 2 when something is missing or
 * doubled. Reads the same environment as the apps (KAFKA_BROKERS, CLICKHOUSE_URL / CHDB_PATH, ...).
 */
export async function main(argv = process.argv.slice(2)): Promise<ReconciliationReport> {
  const args = parseArgs(argv, ['from', 'to', 'late-window-hours', 'max-records'], []);
  const from = instantArg(args, 'from');
  const to = instantArg(args, 'to');
  if (!from) throw new Error('--from: required');
  if (!to) throw new Error('--to: required');
  const config = loadConfig();
  const eventLog = createEventLog(config);
  const clickhouse = await connectClickHouse(config);
  const progress = createProgress('reconcile: reading the log', { unit: 'records' });
  try {
    const report = await reconcile({
      eventLog,
      client: clickhouse.client,
      topic: config.topics.usageEvents.name,
      from,
      to,
      ...(args.has('late-window-hours')
        ? { lateWindowMs: Number(args.get('late-window-hours')) * 3_600_000 }
        : {}),
      ...(args.has('max-records') ? { maxRecords: Number(args.get('max-records')) } : {}),
      onProgress: (read, total) => progress.update(read, total),
    });
    progress.finish();
    return report;
  } finally {
    await eventLog.close();
    await clickhouse.close();
  }
}

if (require.main === module) {
  main().then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.exitCode = report.clean ? 0 : 2;
    },
    (error: unknown) => {
      process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
