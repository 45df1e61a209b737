import { loadConfig } from '@keymeter/config';
import { connectClickHouse, createEventLog, createProgress } from '@keymeter/platform';
import { reconcile, type ReconcileMode, type ReconciliationReport } from '../reconcile/reconcile';
import { instantArg, parseArgs } from './cli-args';

const MODES: readonly ReconcileMode[] = ['auto', 'exact', 'sampled'];

/** A number argument that passes `check`, or undefined when absent; otherwise an error naming it. */
function numberArg(
  args: Map<string, string>,
  name: string,
  check: (value: number) => boolean,
  expected: string,
): number | undefined {
  const text = args.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new Error(`--${name}: must be ${expected}, got "${text}"`);
  }
  return value;
}

/**
 * `npm run reconcile -- --from ISO --to ISO [--late-window-hours N] [--max-records N]
 * [--mode auto|exact|sampled] [--confidence 0.99] [--tolerance 0.01] [--window-records 10000] [--seed N]`:
 * prints the reconciliation report as JSON on stdout; exit status 0 when clean, 2 when something is
 * missing or doubled. Auto mode (the default) is exact up to --max-records log records, sampled above.
 * Reads the same environment as the apps (KAFKA_BROKERS, CLICKHOUSE_URL / CHDB_PATH, ...).
 */
export async function main(argv = process.argv.slice(2)): Promise<ReconciliationReport> {
  const args = parseArgs(
    argv,
    [
      'from',
      'to',
      'late-window-hours',
      'max-records',
      'mode',
      'confidence',
      'tolerance',
      'window-records',
      'seed',
    ],
    [],
  );
  const from = instantArg(args, 'from');
  const to = instantArg(args, 'to');
  if (!from) throw new Error('--from: required');
  if (!to) throw new Error('--to: required');
  const mode = args.get('mode') ?? 'auto';
  if (!MODES.includes(mode as ReconcileMode)) {
    throw new Error(`--mode: must be one of ${MODES.join(', ')}, got "${mode}"`);
  }
  const share = (v: number): boolean => v > 0 && v < 1;
  const confidence = numberArg(args, 'confidence', share, 'a number between 0 and 1');
  const tolerance = numberArg(args, 'tolerance', share, 'a number between 0 and 1');
  const windowRecords = numberArg(
    args,
    'window-records',
    (v) => Number.isInteger(v) && v >= 1,
    'a positive integer',
  );
  const seed = numberArg(args, 'seed', (v) => Number.isInteger(v) && v >= 0, 'a whole number');
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
      mode: mode as ReconcileMode,
      sample: {
        ...(confidence === undefined ? {} : { confidence }),
        ...(tolerance === undefined ? {} : { tolerance }),
        ...(windowRecords === undefined ? {} : { windowRecords }),
        ...(seed === undefined ? {} : { seed }),
      },
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
