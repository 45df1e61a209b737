import { openClickHouse } from '@keymeter/clickhouse';
import { loadConfig } from '@keymeter/config';
import { INGESTOR_GROUP_ID } from '@keymeter/ingestion';
import { connectClickHouse, createEventLog } from '@keymeter/platform';
import { replayUsageTables, type ReplayResult } from '../replay/replay';
import { instantArg, parseArgs } from './cli-args';

/**
 * `npm run replay -- [--from-timestamp ISO] [--no-swap] [--force] [--settle-seconds N]`: rebuilds the
 * usage tables from the usage-events topic and swaps them in. Progress on stderr; the result as JSON on
 * stdout; exit status 0 when swapped with equal counts.
 */
export async function main(argv = process.argv.slice(2)): Promise<ReplayResult> {
  const args = parseArgs(argv, ['from-timestamp', 'settle-seconds'], ['no-swap', 'force']);
  const config = loadConfig();
  const eventLog = createEventLog(config);
  const live = await connectClickHouse(config);
  const ch = config.clickhouse;
  try {
    return await replayUsageTables({
      eventLog,
      live,
      openDatabase: (database) =>
        ch.adapter === 'server'
          ? openClickHouse({ url: ch.url, username: ch.username, password: ch.password, database })
          : openClickHouse({ chdbPath: ch.path, database }),
      topic: config.topics.usageEvents.name,
      deadLetterTopic: config.topics.usageEventsDeadLetter.name,
      liveGroupId: INGESTOR_GROUP_ID,
      lateGraceMs: config.ingestion.lateGraceMs,
      fromTimestamp: instantArg(args, 'from-timestamp'),
      swap: !args.has('no-swap'),
      force: args.has('force'),
      ...(args.has('settle-seconds') ? { settleTimeoutMs: Number(args.get('settle-seconds')) * 1000 } : {}),
    });
  } finally {
    await eventLog.close();
    await live.close();
  }
}

if (require.main === module) {
  main().then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = result.swapped && result.countsEqual ? 0 : 2;
    },
    (error: unknown) => {
      process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
