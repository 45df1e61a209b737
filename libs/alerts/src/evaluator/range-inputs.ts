import type { DataSource } from 'typeorm';
import { MINUTE_MS, type AnomalyConfig, type EpochMinute } from '@keymeter/domain';
import { keysWithUnresolvedAlerts } from '../alerts/alert-writer';
import type { KeyMinuteSeries, KeyRef, KeyTrafficSource } from '../traffic/key-traffic-source';
import type { MinuteEvaluation, MinuteInputs } from './alert-evaluator';
import { factsAsOf, readKeyFactTimelines } from './key-lifecycles';
import { QuotaUsageOverRange } from './quota-usage';

export interface RangeReadOptions {
  readonly dataSource: DataSource;
  readonly traffic: KeyTrafficSource;
  readonly fromMinute: EpochMinute;
  readonly toMinute: EpochMinute;
  /** The detectors' look-back window (minutes). */
  readonly windowLength: number;
  readonly configs: ReadonlyMap<string, AnomalyConfig>;
}

/** Each minute's inputs out of one read of a range; `afterMinute` tells it what the minute changed. */
export interface RangeInputs {
  at(minute: EpochMinute): Promise<MinuteInputs>;
  afterMinute(result: Pick<MinuteEvaluation, 'opened' | 'resolved'>): void;
}

const NO_SOURCES = new Map<string, never>();

/**
 * For every minute of the range, the keys with a call in the look-back window ending at it: a key with a call
 * at minute t is active from t to t + window − 1.
 */
function activeByMinute(
  series: readonly KeyMinuteSeries[],
  fromMinute: EpochMinute,
  toMinute: EpochMinute,
  windowLength: number,
): KeyMinuteSeries[][] {
  const out = Array.from({ length: toMinute - fromMinute + 1 }, (): KeyMinuteSeries[] => []);
  for (const entry of series) {
    let markedThrough = fromMinute - 1;
    for (const minute of [...entry.minutes.keys()].sort((a, b) => a - b)) {
      const last = Math.min(minute + windowLength - 1, toMinute);
      for (let at = Math.max(minute, markedThrough + 1); at <= last; at++) out[at - fromMinute].push(entry);
      markedThrough = Math.max(markedThrough, last);
    }
  }
  return out;
}

/**
 * Reads a range of minutes for `AlertEvaluator.evaluateRange` with a few grouped queries: the minute series of
 * every key active in it (with the look-back before its first minute), every minute's sources and auth
 * failures per IP, the keys' facts with the ends of their grace periods, and the quota use at the range's
 * start. Keys with an unresolved alert are read again only after a minute opened or resolved one: nothing
 * else the evaluator does changes them (an alert resolved by hand meanwhile only makes a key be looked at
 * once more, which changes nothing).
 */
export async function readRangeInputs(options: RangeReadOptions): Promise<RangeInputs> {
  const { dataSource, traffic, fromMinute, toMinute, windowLength, configs } = options;
  const [series, sources, authFailures] = await Promise.all([
    traffic.activeKeys(fromMinute - windowLength + 1, toMinute),
    traffic.sourcesOverRange(fromMinute, toMinute),
    traffic.authFailuresOverRange(fromMinute, toMinute),
  ]);
  let unresolved: KeyRef[] = await keysWithUnresolvedAlerts(dataSource);
  const timelines = await readKeyFactTimelines(dataSource, [
    ...new Set([...series.map((entry) => entry.keyId), ...unresolved.map((row) => row.keyId)]),
  ]);
  const quotas = await QuotaUsageOverRange.read(
    traffic,
    factsAsOf(timelines, fromMinute * MINUTE_MS),
    series,
    fromMinute,
    toMinute,
  );
  const active = activeByMinute(series, fromMinute, toMinute, windowLength);
  let stale = false;
  return {
    at: async (minute) => {
      if (stale) {
        unresolved = await keysWithUnresolvedAlerts(dataSource);
        stale = false;
      }
      const facts = factsAsOf(timelines, (minute + 1) * MINUTE_MS);
      return {
        active: active[minute - fromMinute],
        sources: sources.get(minute) ?? NO_SOURCES,
        unresolved,
        authFailures: authFailures.get(minute) ?? {},
        facts,
        configs,
        quotas: (keyIds) => Promise.resolve(quotas.at(facts, keyIds, minute)),
      };
    },
    afterMinute: (result) => {
      if (result.opened > 0 || result.resolved > 0) stale = true;
    },
  };
}
