/**
 * Offline evaluation of the anomaly detectors on generated traffic with labelled anomalies.
 * Run: npm run bench:anomaly [-- --seed N --keys N --weeks N --json report.json]
 * Prints recall and detection delay per labelled kind, precision per finding kind, and the misses.
 */
import { writeFileSync } from 'node:fs';
import { parseScenarioArgs } from './cli-options';
import { runDetectors } from './run-detectors';
import { DEFAULT_SCORING, scoreFindings, type ScoreReport } from './scoring';
import { buildScenario } from './traffic-model';

function percent(value: number): string {
  return value.toFixed(3);
}

function printReport(title: string, report: ScoreReport): void {
  console.log(`\n### ${title}\n`);
  console.log('| labelled kind | labels | detected | recall | delay median / p90 / max (min) |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of report.byLabel) {
    const delay =
      row.medianDelayMinutes === null
        ? '–'
        : `${row.medianDelayMinutes} / ${row.p90DelayMinutes} / ${row.maxDelayMinutes}`;
    console.log(`| ${row.kind} | ${row.labels} | ${row.detected} | ${percent(row.recall)} | ${delay} |`);
  }
  console.log('\n| finding kind | alert episodes | explained by a label | precision |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of report.byFinding) {
    console.log(`| ${row.kind} | ${row.episodes} | ${row.truePositives} | ${percent(row.precision)} |`);
  }
}

function main(): void {
  const { scenario: options, flags } = parseScenarioArgs(process.argv.slice(2));
  const scenario = buildScenario(options);
  console.log(
    `Scenario: seed ${options.seed}, ${options.keys} keys, ${options.weeks} weeks from ${new Date(options.startMs).toISOString()} (first ${options.learningWeeks} weeks learning only), ${scenario.labels.length} labelled anomalies.`,
  );
  const run = runDetectors(
    scenario,
    undefined,
    () => Date.now(),
    (day, days) => {
      process.stderr.write(`\rday ${day + 1}/${days}`);
    },
  );
  process.stderr.write('\n');
  console.log(
    `Detectors ran over ${run.keyMinutes.toLocaleString('en')} key-minutes in ${(run.elapsedMs / 1000).toFixed(1)} s (${((run.elapsedMs * 1e6) / run.keyMinutes).toFixed(0)} ns per key-minute including traffic generation).`,
  );
  const all = scoreFindings(scenario.labels, run.findings, DEFAULT_SCORING);
  printReport('All findings', all);
  const alerting = scoreFindings(scenario.labels, run.findings, {
    ...DEFAULT_SCORING,
    minSeverity: 'medium',
  });
  printReport('Findings of severity medium or above', alerting);
  const verbose = flags.has('verbose');
  console.log(`\nMissed labels (severity ≥ medium): ${alerting.missed.length}`);
  for (const label of alerting.missed.slice(0, verbose ? 1000 : 15)) {
    console.log(
      `  ${label.id} ${label.kind} ${label.key ?? label.network ?? ''} ${label.start} ${JSON.stringify(label.details)}`,
    );
  }
  console.log(`Unexplained alert episodes (severity ≥ medium): ${alerting.falsePositives.length}`);
  for (const episode of alerting.falsePositives.slice(0, verbose ? 1000 : 15)) {
    console.log(
      `  ${episode.kind} ${episode.key ?? episode.network ?? ''} ${new Date(episode.startMinute * 60_000).toISOString()} (+${episode.endMinute - episode.startMinute} min)`,
    );
  }
  const jsonPath = flags.get('json');
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, `${JSON.stringify({ options, all, alerting }, null, 2)}\n`);
  }
}

main();
