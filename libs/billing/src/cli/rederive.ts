import { openBillingForCommand, runCommand } from './open-billing';

/**
 * `npm run billing:rederive -- <invoice-id>`: recomputes an invoice from usage as of its recorded cut-off
 * and prints "identical" (exit 0) or each difference (exit 3).
 */
runCommand(async () => {
  const [invoiceId] = process.argv.slice(2);
  if (invoiceId === undefined) {
    process.stderr.write('usage: billing:rederive -- <invoice-id>\n');
    return 2;
  }
  const { billing, close } = await openBillingForCommand('billing-rederive');
  try {
    const result = await billing.invoices.rederive(invoiceId);
    if (result.identical) {
      process.stdout.write(`invoice ${invoiceId}: identical (total ${result.recordedTotal})\n`);
      return 0;
    }
    process.stdout.write(
      `invoice ${invoiceId}: DIFFERS (recorded total ${result.recordedTotal}, re-derived ${result.rederivedTotal})\n`,
    );
    for (const difference of result.differences) {
      process.stdout.write(
        `  ${difference.field}: recorded ${difference.recorded}, re-derived ${difference.rederived}\n`,
      );
    }
    return 3;
  } finally {
    await close();
  }
});
