/** The score tables every anomaly evaluation prints (detector level and through the pipeline), and its load line. */
import { cpus, loadavg } from 'node:os';
import type { ScoreReport } from './scoring';

export function loadAverage(): string {
  return `load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ')} on ${cpus().length} cores`;
}

/**
 * Recall and delay per labelled kind, then precision per finding kind. `findingsColumn` names what a finding row
 * counts: merged detector findings ("alert episodes") or alerts read back from Postgres ("alerts").
 */
export function printScoreTables(title: string, report: ScoreReport, findingsColumn: string): void {
  console.log(`\n### ${title}\n`);
  console.log('| labelled kind | labels | detected | recall | delay median / p90 / max (min) |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of report.byLabel) {
    const delay =
      row.medianDelayMinutes === null
        ? '–'
        : `${row.medianDelayMinutes} / ${row.p90DelayMinutes} / ${row.maxDelayMinutes}`;
    console.log(`| ${row.kind} | ${row.labels} | ${row.detected} | ${row.recall.toFixed(3)} | ${delay} |`);
  }
  console.log(`\n| finding kind | ${findingsColumn} | explained by a label | precision |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of report.byFinding) {
    console.log(`| ${row.kind} | ${row.episodes} | ${row.truePositives} | ${row.precision.toFixed(3)} |`);
  }
}
