import { openBillingForCommand, runCommand } from './open-billing';
import { stderrProgress } from './progress';

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
    const progress = stderrProgress(`invoices ${period}`);
    const result = await billing.invoices.run({ period, customerId }, (done, total) =>
      progress.update(done, total),
    );
    const counts: Record<string, number> = {};
    for (const entry of result.results) counts[entry.outcome] = (counts[entry.outcome] ?? 0) + 1;
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
