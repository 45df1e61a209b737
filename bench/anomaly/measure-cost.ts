/**
 * Cost of the detectors at a larger key count than the scenario's: every key of a finished run is copied
 * (its baseline, window and quota use) until there are `targetKeys` keys with real weeks of history, then the
 * next minutes are evaluated for all of them as the live evaluator would (detect, then fold), timing each
 * whole minute. Traffic generation is outside the timing (one sample per original key, shared by its copies).
 */
import { requiredWindowMinutes, type AnomalyConfig } from '@keymeter/domain';
import { evaluateKeyMinute, recordKeyMinute, resetQuotaUse, type KeyState } from './run-detectors';
import type { KeyMinuteSample } from './traffic-model';

export interface CostMeasurement {
  readonly keys: number;
  readonly minutes: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly maxMs: number;
  readonly findingsPerMinute: number;
}

export function measureCostPerMinute(
  originals: readonly KeyState[],
  firstMinute: number,
  targetKeys: number,
  minutes: number,
  config: AnomalyConfig,
  clock: () => number,
): CostMeasurement {
  const windowLength = requiredWindowMinutes(config);
  const copies: { original: number; state: KeyState }[] = [];
  for (let n = 0; copies.length < targetKeys; n++) {
    const original = originals[n % originals.length];
    copies.push({
      original: n % originals.length,
      state: { ...original, minutes: [...original.minutes] },
    });
  }
  const samples: KeyMinuteSample[] = new Array<KeyMinuteSample>(originals.length);
  const times: number[] = [];
  let findings = 0;
  for (let minute = firstMinute; minute < firstMinute + minutes; minute++) {
    for (let index = 0; index < originals.length; index++) {
      samples[index] = originals[index].next(minute);
    }
    const states = copies.map((copy) => copy.state);
    const start = clock();
    resetQuotaUse(states, minute);
    for (const { original, state } of copies) {
      const sample = samples[original];
      recordKeyMinute(state, sample.counts, windowLength);
      findings += evaluateKeyMinute(state, minute, sample.sources, true, config).length;
    }
    times.push(clock() - start);
  }
  times.sort((a, b) => a - b);
  return {
    keys: copies.length,
    minutes,
    medianMs: times[Math.floor((times.length - 1) / 2)],
    p90Ms: times[Math.ceil(0.9 * times.length) - 1],
    maxMs: times[times.length - 1],
    findingsPerMinute: findings / minutes,
  };
}
