import { writeFileSync } from 'node:fs';
import { REVENUE_COLUMNS, toCsv, USAGE_REPORT_COLUMNS } from '../reports/usage-report';
import { createProgress } from '@keymeter/platform';
import { openBillingForCommand, runCommand } from './open-billing';

/**
 * `npm run reports:export -- <YYYY-MM> <file.csv|file.json> [--revenue]`: writes the usage report (or the
 * revenue summary) of a period to a file, with progress on stderr. CSV or JSON by the file's extension.
 */
runCommand(async () => {
  const args = process.argv.slice(2);
  const revenue = args.includes('--revenue');
  const [period, file] = args.filter((arg) => arg !== '--revenue');
  if (period === undefined || file === undefined) {
    process.stderr.write('usage: reports:export -- <YYYY-MM> <file.csv|file.json> [--revenue]\n');
    return 2;
  }
  const { billing, close } = await openBillingForCommand('reports-export');
  try {
    const progress = createProgress(`report ${period}`, { unit: 'customers' });
    const report = await billing.reports.build(period, (done, total) => progress.update(done, total));
    const json = file.endsWith('.json');
    const body = revenue
      ? json
        ? JSON.stringify({ period: report.period, revenue: report.revenue }, null, 2)
        : toCsv(REVENUE_COLUMNS, report.revenue)
      : json
        ? JSON.stringify(report, null, 2)
        : toCsv(USAGE_REPORT_COLUMNS, report.rows);
    writeFileSync(file, body, 'utf8');
    progress.finish(`wrote ${revenue ? report.revenue.length : report.rows.length} rows to ${file}`);
    return 0;
  } finally {
    await close();
  }
});
