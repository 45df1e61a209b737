import { createProgress } from '@keymeter/platform';
import { openBillingForCommand, runCommand } from './open-billing';

/**
 * `npm run billing:run -- 2026-11 [customer-id]`: creates or recomputes the drafts of a period, with a
 * progress bar on stderr, and prints a summary (JSON) on stdout.
 */
runCommand(async () => {
  const [period, customerId] = process.argv.slice(2);
  if (period === undefined) {
    process.stderr.write('usage: billing:run -- <YYYY-MM> [customer-id]\n');
    return 2;
  }
  const { billing, close } = await openBillingForCommand('billing-run');
  try {
    const progress = createProgress(`invoices ${period}`, { unit: 'customers' });
    const counts: Record<string, number> = {};
    const describe = (): string =>
      Object.entries(counts)
        .map(([outcome, n]) => `${outcome} ${n}`)
        .join(', ');
    const result = await billing.invoices.run({ period, customerId }, (done, total, entry) => {
      counts[entry.outcome] = (counts[entry.outcome] ?? 0) + 1;
      progress.update(done, total, describe());
    });
    progress.finish(`done: ${JSON.stringify(counts)}`);
    process.stdout.write(
      `${JSON.stringify(
        result.results.map((r) => ({
          customerId: r.customerId,
          outcome: r.outcome,
          invoiceId: r.invoice?.id ?? null,
          total: r.invoice?.total ?? null,
          currency: r.invoice?.currency ?? null,
        })),
        null,
        2,
      )}\n`,
    );
    return 0;
  } finally {
    await close();
  }
});
