/**
 * Cost of the upstream-error burst test per key-minute, beside the one-minute count test it replaced (still
 * used for 401/403 and 429) on the same inputs: keys from 0.1 to 1,000 calls a minute, each with a day of
 * history, judged on 30-minute windows (a tenth of them during an outage, so both outcomes are timed).
 *
 * Run: npm run bench:anomaly:error-cost [-- --rounds N]
 */
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_ANOMALY_CONFIG,
  NO_SOURCES,
  ZERO_MINUTE,
  authenticatedCalls,
  createKeyBaseline,
  detectCountBurst,
  detectErrorBurst,
  expectedFailures,
  updateKeyBaseline,
  type KeyBaseline,
  type KeyTrafficWindow,
  type MinuteCounts,
} from '@keymeter/domain';
import { mulberry32, poisson } from './random';

const KEYS = 2_000;
const START = 29_000_000;

function counts(random: () => number, rate: number, errorShare: number): MinuteCounts {
  const requests = poisson(random, rate);
  const serverErrors = errorShare > 0 ? Math.round(requests * errorShare) : poisson(random, requests * 0.002);
  return { ...ZERO_MINUTE, requests, billable: requests - serverErrors, serverErrors };
}

function buildKeys(): { window: KeyTrafficWindow; baseline: KeyBaseline }[] {
  const random = mulberry32(20261129);
  const keys: { window: KeyTrafficWindow; baseline: KeyBaseline }[] = [];
  for (let key = 0; key < KEYS; key++) {
    const rate = Math.exp(Math.log(0.1) + random() * Math.log(10_000));
    let baseline = createKeyBaseline(`key_${key}`);
    const minutes: MinuteCounts[] = [];
    for (let minute = START; minute < START + 1440; minute++) {
      minutes.push(counts(random, rate, 0));
      if (minutes.length > 30) minutes.shift();
      baseline = updateKeyBaseline(baseline, {
        keyId: baseline.keyId,
        endMinute: minute,
        minutes,
        sources: NO_SOURCES,
      });
    }
    const outage = key % 10 === 0 ? 0.5 : 0;
    const window = minutes.slice(1).concat([counts(random, rate, outage)]);
    keys.push({
      window: { keyId: baseline.keyId, endMinute: START + 1440, minutes: window, sources: NO_SOURCES },
      baseline,
    });
  }
  return keys;
}

function oneMinuteTest(window: KeyTrafficWindow, baseline: KeyBaseline): boolean {
  const newest = window.minutes[window.minutes.length - 1];
  const { serverErrors, calls } = baseline.rates;
  const expected = expectedFailures(serverErrors, calls, authenticatedCalls(newest), DEFAULT_ANOMALY_CONFIG);
  return detectCountBurst('error_burst', window.endMinute, newest.serverErrors, expected) !== null;
}

function time(
  keys: ReturnType<typeof buildKeys>,
  rounds: number,
  test: (k: (typeof keys)[number]) => boolean,
) {
  let fired = 0;
  const start = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) fired += test(key) ? 1 : 0;
  }
  const elapsedMs = performance.now() - start;
  return {
    microsPerKeyMinute: (elapsedMs * 1000) / (rounds * keys.length),
    firedShare: fired / (rounds * keys.length),
  };
}

function main(): void {
  const roundsFlag = process.argv.indexOf('--rounds');
  const rounds = roundsFlag >= 0 ? Number(process.argv[roundsFlag + 1]) : 500;
  console.log(`Building ${KEYS} keys with a day of history…`);
  const keys = buildKeys();
  // Warm-up, then interleaved measurements (three each), medians reported.
  time(keys, 20, ({ window, baseline }) => detectErrorBurst(window, baseline) !== null);
  time(keys, 20, ({ window, baseline }) => oneMinuteTest(window, baseline));
  const windowed: number[] = [];
  const oneMinute: number[] = [];
  let firedWindowed = 0;
  let firedOneMinute = 0;
  for (let run = 0; run < 3; run++) {
    const a = time(keys, rounds, ({ window, baseline }) => detectErrorBurst(window, baseline) !== null);
    const b = time(keys, rounds, ({ window, baseline }) => oneMinuteTest(window, baseline));
    windowed.push(a.microsPerKeyMinute);
    oneMinute.push(b.microsPerKeyMinute);
    firedWindowed = a.firedShare;
    firedOneMinute = b.firedShare;
    console.log(
      `run ${run + 1}/3: windowed ${a.microsPerKeyMinute.toFixed(3)} µs, one-minute ${b.microsPerKeyMinute.toFixed(3)} µs`,
    );
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[1];
  console.log('| test | µs per key-minute (median of 3) | share of keys firing |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| 5xx over 1/5/10 min, Poisson tail + share | ${median(windowed).toFixed(3)} | ${firedWindowed.toFixed(3)} |`,
  );
  console.log(
    `| one-minute count test (before) | ${median(oneMinute).toFixed(3)} | ${firedOneMinute.toFixed(3)} |`,
  );
}

main();
