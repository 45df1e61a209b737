import { loadConfigOrExit } from '@keymeter/config';
import { createLogger, openInfrastructure, requireClickHouse, requireDatabase } from '@keymeter/platform';
import { createBillingServices, type BillingServices } from '../billing-services';
import { createClickHouseUsageSource } from '@keymeter/usage';

/** Opens Postgres and ClickHouse as configured (env) and builds the billing services for a command. */
export async function openBillingForCommand(
  name: string,
): Promise<{ billing: BillingServices; close(): Promise<void> }> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, name);
  const infra = await openInfrastructure(config, logger, { database: true, clickhouse: true });
  const billing = createBillingServices({
    dataSource: requireDatabase(infra).dataSource,
    usage: createClickHouseUsageSource(requireClickHouse(infra), { topic: config.topics.usageEvents.name }),
    finalizeGraceMs: config.invoiceFinalizeGraceMs,
    lateUsageLookbackPeriods: config.invoiceLateUsageLookbackPeriods,
  });
  return { billing, close: () => infra.close() };
}

/** Runs a command's body and sets the exit code: 0 on success, 1 on failure (message on stderr). */
export function runCommand(body: () => Promise<number>): void {
  body().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
