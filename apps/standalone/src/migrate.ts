import 'reflect-metadata';
import { loadConfigOrExit } from '@keymeter/config';
import { createLogger, openInfrastructure } from '@keymeter/platform';

/** Applies Postgres and ClickHouse migrations and creates the Kafka topics, then exits. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, 'migrate');
  const infra = await openInfrastructure(config, logger, {
    database: true,
    clickhouse: true,
    eventLog: true,
    migrate: true,
  });
  await infra.close();
  process.stdout.write('migrations applied, topics created\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
