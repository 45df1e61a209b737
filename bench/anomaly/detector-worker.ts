/**
 * One shard of the detector-level evaluation, in a worker thread (started by `evaluate.ts`): builds the same
 * scenario from its options, runs the detectors over the shard's keys, posts progress and the findings, then,
 * when asked, measures the cost per minute at a larger key count from its keys' final state.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_ANOMALY_CONFIG } from '@keymeter/domain';
import { measureCostPerMinute, type CostMeasurement } from './measure-cost';
import { runDetectors, type RecordedFinding, type Shard } from './run-detectors';
import { buildScenario, type ScenarioOptions } from './traffic-model';

export interface DetectorWorkerInput {
  readonly options: ScenarioOptions;
  readonly shard: Shard;
}

export type DetectorWorkerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | {
      readonly type: 'done';
      readonly findings: RecordedFinding[];
      readonly keyMinutes: number;
      readonly elapsedMs: number;
      readonly detectorMs: number;
    }
  | { readonly type: 'cost'; readonly cost: CostMeasurement };

export type DetectorWorkerRequest = {
  readonly type: 'measure';
  readonly keys: number;
  readonly minutes: number;
};

function main(): void {
  const port = parentPort;
  if (port === null) {
    throw new Error('detector-worker: must run in a worker thread');
  }
  const { options, shard } = workerData as DetectorWorkerInput;
  const scenario = buildScenario(options);
  const post = (message: DetectorWorkerMessage): void => port.postMessage(message);
  const run = runDetectors(
    scenario,
    DEFAULT_ANOMALY_CONFIG,
    () => performance.now(),
    (done, total) => post({ type: 'progress', done, total }),
    shard,
  );
  post({
    type: 'done',
    findings: run.findings,
    keyMinutes: run.keyMinutes,
    elapsedMs: run.elapsedMs,
    detectorMs: run.detectorMs,
  });
  port.on('message', (request: DetectorWorkerRequest) => {
    const cost = measureCostPerMinute(
      run.keys,
      scenario.endMinute,
      request.keys,
      request.minutes,
      DEFAULT_ANOMALY_CONFIG,
      () => performance.now(),
    );
    post({ type: 'cost', cost });
  });
}

main();
