import { createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvPieces, REVENUE_COLUMNS, toCsv, USAGE_REPORT_COLUMNS } from '../reports/usage-report';
import { createProgress } from '@keymeter/platform';
import { openBillingForCommand, runCommand } from './open-billing';
import { reportJsonPieces } from './report-json';

/**
 * `npm run reports:export -- <YYYY-MM> <file.csv|file.json> [--revenue]`: writes the usage report (or the
 * revenue summary) of a period to a file, with progress on stderr. CSV or JSON by the file's extension.
 * The usage report is written chunk by chunk of customers as it is read, never held whole.
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
    const json = file.endsWith('.json');
    if (revenue) {
      const summary = await billing.reports.revenue(period);
      const body = json ? JSON.stringify(summary, null, 2) : toCsv(REVENUE_COLUMNS, summary.revenue);
      writeFileSync(file, body, 'utf8');
      process.stderr.write(`wrote ${summary.revenue.length} rows to ${file}\n`);
      return 0;
    }
    const progress = createProgress(`report ${period}`, { unit: 'customers' });
    const report = billing.reports.stream(period, (done, total) => progress.update(done, total));
    let rows = 0;
    const counted = (async function* () {
      for await (const chunk of report.chunks) {
        rows += chunk.length;
        yield chunk;
      }
    })();
    const pieces = json
      ? reportJsonPieces(report.period, counted, () => report.revenue())
      : csvPieces(USAGE_REPORT_COLUMNS, counted);
    // Written beside the file and renamed when complete, so a failure midway leaves no truncated report.
    const partial = `${file}.partial`;
    try {
      await pipeline(Readable.from(pieces, { objectMode: false }), createWriteStream(partial, 'utf8'));
    } catch (error) {
      rmSync(partial, { force: true });
      throw error;
    }
    renameSync(partial, file);
    progress.finish(`wrote ${rows} rows to ${file}`);
    return 0;
  } finally {
    await close();
  }
});
