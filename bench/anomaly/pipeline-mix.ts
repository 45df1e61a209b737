/**
 * The key population of the week-long evaluation through the real pipeline (`pipeline-weeks.ts`): most API
 * keys make well under a call a minute, a few dozen make a few, two dozen make 10–18. The default scenario's
 * log-uniform 0.02–600 calls/min is about 2 billion calls over four weeks for 1,000 keys, far beyond what
 * chDB and the shared broker ingest here in minutes; this mix is about 11 million over two weeks.
 *
 * Labels go on keys the detectors can judge at all: spikes, ramps and drops on the busy keys (the detectors'
 * absolute floors — 20 calls in a minute, 150 over 30 minutes, 10 expected calls a minute for a drop — are
 * above what a quiet key's 3× is), retired-key use, upstream outages and quota burns on keys of at least 3
 * calls a minute, floods on quiet keys, and credential stuffing, leaks and 429 floods on any key.
 */
import type { TrafficMix } from './traffic-model';

export const PIPELINE_MIX: TrafficMix = {
  name: 'pipeline',
  rateClasses: [
    { share: 0.024, min: 10, max: 18 },
    { share: 0.03, min: 3, max: 7 },
  ],
  otherRates: { median: 0.03, sigma: 1.4, max: 2 },
  labels: [
    { kind: 'spike', count: 8, minRate: 10 },
    { kind: 'spike', count: 6, maxRate: 1 },
    { kind: 'ramp', count: 6, minRate: 10 },
    { kind: 'drop', count: 6, minRate: 10 },
    { kind: 'credential_stuffing', count: 8 },
    { kind: 'leaked_key', count: 10 },
    { kind: 'quota_burn', count: 8, minRate: 3, needsQuota: true },
    { kind: 'retired_key_use', count: 8, minRate: 3 },
    { kind: 'upstream_errors', count: 8, minRate: 3 },
    { kind: 'rate_limit_flood', count: 8 },
  ],
  keylessStuffing: 5,
};
