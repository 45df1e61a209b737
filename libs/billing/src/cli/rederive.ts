import { createProgress } from '@keymeter/platform';
import type { BillingServices } from '../billing-services';
import type { RederivationResult } from '../invoices/invoice-service';
import { openBillingForCommand, runCommand } from './open-billing';

const USAGE = 'usage: billing:rederive -- <invoice-id> | --period <YYYY-MM>\n';

function printDifferences(result: RederivationResult): void {
  for (const difference of result.differences) {
    process.stdout.write(
      `  ${difference.field}: recorded ${difference.recorded}, re-derived ${difference.rederived}\n`,
    );
  }
}

/** One invoice: "identical" (exit 0) or each difference (exit 3). */
async function rederiveOne(billing: BillingServices, invoiceId: string): Promise<number> {
  const result = await billing.invoices.rederive(invoiceId);
  if (result.identical) {
    process.stdout.write(`invoice ${invoiceId}: identical (total ${result.recordedTotal})\n`);
    return 0;
  }
  process.stdout.write(
    `invoice ${invoiceId}: DIFFERS (recorded total ${result.recordedTotal}, re-derived ${result.rederivedTotal})\n`,
  );
  printDifferences(result);
  return 3;
}

/** Every finalized invoice of a period, with progress on stderr; lists the ones that differ (exit 3). */
async function rederivePeriod(billing: BillingServices, period: string): Promise<number> {
  const invoices = await billing.invoices.list({ period, status: 'finalized' });
  const progress = createProgress(`re-derive ${period}`, { unit: 'invoices' });
  const differing: RederivationResult[] = [];
  let done = 0;
  for (const invoice of invoices) {
    const result = await billing.invoices.rederive(invoice.id);
    if (!result.identical) differing.push(result);
    done += 1;
    progress.update(
      done,
      invoices.length,
      `identical ${done - differing.length}, differ ${differing.length}`,
    );
  }
  progress.finish(`${invoices.length} finalized invoices of ${period}: ${differing.length} differ`);
  for (const result of differing) {
    process.stdout.write(
      `invoice ${result.invoiceId}: DIFFERS (recorded total ${result.recordedTotal}, re-derived ${result.rederivedTotal})\n`,
    );
    printDifferences(result);
  }
  return differing.length === 0 ? 0 : 3;
}

/**
 * `npm run billing:rederive -- <invoice-id>`: recomputes an invoice from usage as of its recorded cut-off
 * and prints "identical" (exit 0) or each difference (exit 3). `-- --period YYYY-MM` does it for every
 * finalized invoice of a period, with a progress bar.
 */
runCommand(async () => {
  const args = process.argv.slice(2);
  const periodAt = args.indexOf('--period');
  const period = periodAt >= 0 ? args[periodAt + 1] : undefined;
  const invoiceId = periodAt >= 0 ? undefined : args[0];
  if ((periodAt >= 0 && period === undefined) || (periodAt < 0 && invoiceId === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const { billing, close } = await openBillingForCommand('billing-rederive');
  try {
    return period !== undefined
      ? await rederivePeriod(billing, period)
      : await rederiveOne(billing, invoiceId as string);
  } finally {
    await close();
  }
});
