/**
 * Offline evaluation of the anomaly detectors on generated traffic with labelled anomalies.
 * Run: npm run bench:anomaly [-- --seed N --keys N --weeks N --threads N --cost-keys N --json report.json --verbose]
 * The keys are split over `--threads` worker threads (default 2); afterwards one thread measures the cost of a
 * minute's evaluation at `--cost-keys` keys (default 10 000; 0 skips it).
 * Prints recall and detection delay per labelled kind, precision per finding kind, and the misses.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { MINUTES_PER_DAY } from '@keymeter/domain';
import { createProgress } from '@keymeter/platform';
import { parseScenarioArgs } from './cli-options';
import type { DetectorWorkerInput, DetectorWorkerMessage, DetectorWorkerRequest } from './detector-worker';
import type { CostMeasurement } from './measure-cost';
import type { RecordedFinding } from './run-detectors';
import { loadAverage, printScoreTables } from './report-tables';
import { DEFAULT_SCORING, DELAY_TARGET_MINUTES, scoreFindings, type ScoreReport } from './scoring';
import { buildScenario, type ScenarioOptions } from './traffic-model';

function printReport(title: string, report: ScoreReport): void {
  printScoreTables(title, report, 'alert episodes');
}

interface ShardResult {
  readonly findings: RecordedFinding[];
  readonly keyMinutes: number;
  readonly elapsedMs: number;
  readonly detectorMs: number;
}

/** Runs the shards in worker threads; shard 0's worker then measures the cost at `costKeys` keys. */
async function runShards(
  options: ScenarioOptions,
  threads: number,
  costKeys: number,
  costMinutes: number,
): Promise<{ results: ShardResult[]; cost: CostMeasurement | null }> {
  const progress = createProgress('anomaly evaluation', { unit: 'shard-minutes' });
  const done = new Array<number>(threads).fill(0);
  let total = 0;
  const workers = Array.from(
    { length: threads },
    (_, index) =>
      new Worker(join(__dirname, 'detector-worker.js'), {
        workerData: { options, shard: { index, count: threads } } satisfies DetectorWorkerInput,
      }),
  );
  const results = await Promise.all(
    workers.map(
      (worker, index) =>
        new Promise<ShardResult>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (message: DetectorWorkerMessage) => {
            if (message.type === 'progress') {
              done[index] = message.done;
              total = message.total * threads;
              const sum = done.reduce((a, b) => a + b, 0);
              progress.update(sum, total, `day ${Math.floor(sum / threads / MINUTES_PER_DAY) + 1}`);
            } else if (message.type === 'done') {
              resolve(message);
            }
          });
        }),
    ),
  );
  progress.finish();
  let cost: CostMeasurement | null = null;
  if (costKeys > 0) {
    await Promise.all(workers.slice(1).map((worker) => worker.terminate()));
    cost = await new Promise<CostMeasurement>((resolve, reject) => {
      workers[0].on('error', reject);
      workers[0].on('message', (message: DetectorWorkerMessage) => {
        if (message.type === 'cost') {
          resolve(message.cost);
        }
      });
      workers[0].postMessage({
        type: 'measure',
        keys: costKeys,
        minutes: costMinutes,
      } satisfies DetectorWorkerRequest);
    });
  }
  await Promise.all(workers.map((worker) => worker.terminate()));
  return { results, cost };
}

async function main(): Promise<void> {
  const { scenario: options, flags } = parseScenarioArgs(process.argv.slice(2));
  const scenario = buildScenario(options);
  console.log(
    `Scenario: seed ${options.seed}, ${options.keys} keys, ${options.weeks} weeks from ${new Date(options.startMs).toISOString()} (first ${options.learningWeeks} weeks learning only), ${scenario.labels.length} labelled anomalies.`,
  );
  const threads = Math.max(1, Number(flags.get('threads') ?? '2'));
  console.log(`Start: ${loadAverage()}; ${threads} worker threads.`);
  const began = performance.now();
  const { results, cost } = await runShards(
    options,
    threads,
    Number(flags.get('cost-keys') ?? '10000'),
    Number(flags.get('cost-minutes') ?? '60'),
  );
  const findings = results.flatMap((result) => result.findings);
  const keyMinutes = results.reduce((sum, result) => sum + result.keyMinutes, 0);
  const detectorMs = results.reduce((sum, result) => sum + result.detectorMs, 0);
  console.log(`End: ${loadAverage()}.`);
  console.log(
    `${keyMinutes.toLocaleString('en')} key-minutes in ${((performance.now() - began) / 1000).toFixed(1)} s wall time (generation included); detectors and baseline updates alone ${(detectorMs / 1000).toFixed(1)} s of thread time (${((detectorMs * 1e6) / keyMinutes).toFixed(0)} ns per key-minute).`,
  );
  if (cost !== null) {
    console.log(
      `Cost at ${cost.keys.toLocaleString('en')} keys (copies of the run's keys with their weeks of history), ${cost.minutes} minutes: one minute's evaluation of every key takes median ${cost.medianMs.toFixed(0)} ms, p90 ${cost.p90Ms.toFixed(0)} ms, max ${cost.maxMs.toFixed(0)} ms (${loadAverage()}).`,
    );
  }
  const all = scoreFindings(scenario.labels, findings, DEFAULT_SCORING);
  printReport('All findings', all);
  const alerting = scoreFindings(scenario.labels, findings, {
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
  console.log(
    `Spikes and leaks reported after ${DELAY_TARGET_MINUTES} minutes (severity ≥ medium): ${alerting.slow.length}`,
  );
  for (const { label, delayMinutes } of alerting.slow.slice(0, verbose ? 1000 : 15)) {
    console.log(
      `  ${label.id} ${label.kind} ${label.key ?? label.network ?? ''} ${label.start} after ${delayMinutes} min ${JSON.stringify(label.details)}`,
    );
  }
  console.log(`Unexplained alert episodes (severity ≥ medium): ${alerting.falsePositives.length}`);
  for (const episode of alerting.falsePositives.slice(0, verbose ? 1000 : 15)) {
    console.log(
      `  ${episode.kind} ${episode.key ?? episode.network ?? ''} ${new Date(episode.startMinute * 60_000).toISOString()} (+${episode.endMinute - episode.startMinute} min) ${episode.summary}`,
    );
  }
  const jsonPath = flags.get('json');
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, `${JSON.stringify({ options, all, alerting }, null, 2)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
