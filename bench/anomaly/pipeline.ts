/**
 * The anomaly evaluation through the real pipeline:
 *
 *   generated UsageEvents (the detector-level scenario's traffic, same seed and labels)
 *     → the ingest path: encoded as log records, `prepareBatch` (decode, validate, dedupe in batch) and
 *       `ClickHouseIngestStore.insertRawEvents` into chDB (raw table, materialized minute/hour/day rollups)
 *     → the billing app's `AlertEvaluator` (libs/alerts), minute by minute with a simulated clock: per-key
 *       minute series and sources read from ClickHouse with its grouped queries, key facts from Postgres,
 *       baselines warmed up from ClickHouse history, detectors, alert lifecycle
 *     → alerts (and their `alert.opened` / `alert.updated` events) in Postgres
 *     → precision, recall and delay from the alerts table against the labels.
 *
 * Run: npm run bench:anomaly:pipeline [-- --seed N --hours N --from ISO --max-events N --max-rate R]
 *
 * The whole scenario (1,000 keys, ~2 billion calls over four weeks) is far beyond what chDB ingests on one
 * machine in minutes, and the evaluator takes about a second per minute on a busy two-core machine, so this
 * mode takes a subset: `--hours` of the evaluation weeks (by default the stretch with the most labelled
 * anomalies it can carry), the keys with labelled anomalies in it whose traffic fits, plus unlabelled keys,
 * while the estimated events stay under `--max-events`; keys above `--max-rate` calls per minute are left out. Keys and customers are created in
 * Postgres through key management (revocations and rotations at their scenario times), and the weeks before
 * the evaluated days are ingested too, since the evaluator builds its baselines from ClickHouse history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAlerts } from '@keymeter/alerts';
import { openClickHouse, runClickHouseMigrations } from '@keymeter/clickhouse';
import { encodeUsageEvent } from '@keymeter/contracts';
import { openDatabase, runDatabaseMigrations } from '@keymeter/database';
import { MINUTE_MS, MINUTES_PER_DAY, MINUTES_PER_WEEK } from '@keymeter/domain';
import { createEmbeddedEventLog, type LogRecord } from '@keymeter/event-log';
import { ClickHouseIngestStore, prepareBatch } from '@keymeter/ingestion';
import { createKeyManagement, type AuditActor } from '@keymeter/keys';
import { createProgress } from '@keymeter/platform';
import { parseScenarioArgs } from './cli-options';
import { createBenchDatabase, printReport, readAlertEpisodes } from './pipeline-report';
import { loadAverage } from './report-tables';
import { derivedRandom } from './random';
import { DEFAULT_SCORING, scoreEpisodes } from './scoring';
import {
  buildScenario,
  createKeyStream,
  type AnomalyLabel,
  type KeyProfile,
  type LabelKind,
  type Scenario,
} from './traffic-model';
import { usageEventsForMinute } from './usage-events';

const ADMIN: AuditActor = { type: 'admin_token', id: '00000000-0000-4000-8000-00000000a001', label: 'bench' };
const TOPIC = 'usage-events';
const BATCH_EVENTS = 20_000;
const EVALUATION_DELAY_MS = 15_000;
/**
 * Labelled kinds whose detecting finding the evaluator can produce. Not evaluable here: quota burns (the
 * evaluator passes no quota usage to the detectors), keyless credential stuffing (the evaluator has no
 * per-network detector) and new countries (ClickHouse stores no country).
 */
const EVALUABLE: readonly LabelKind[] = [
  'spike',
  'ramp',
  'drop',
  'credential_stuffing',
  'leaked_key',
  'retired_key_use',
  'upstream_errors',
  'rate_limit_flood',
];

interface PipelineOptions {
  readonly hours: number;
  readonly maxEvents: number;
  readonly maxRate: number;
  readonly warmupDays: number;
}

/** Calls a key makes over `minutes`, with a labelled anomaly's extra calls (estimates, for the budget). */
function estimatedEvents(profile: KeyProfile, label: AnomalyLabel | undefined, minutes: number): number {
  const extra =
    label === undefined
      ? 0
      : (label.endMinute - label.startMinute) *
        Number(
          label.details.extraPerMinute ??
            label.details.failuresPerMinute ??
            label.details.callsPerMinute ??
            label.details.rejectedPerMinute ??
            0,
        );
  const cron =
    profile.cron === null ? 0 : (profile.cron.minutes * profile.cron.callsPerMinute * minutes) / 1440;
  return profile.meanRate * minutes + cron + extra;
}

/** The keys to run through the pipeline: labelled ones first, then unlabelled ones, within the budget. */
function chooseKeys(
  scenario: Scenario,
  options: PipelineOptions,
  from: number,
  evaluateTo: number,
): KeyProfile[] {
  const minutes = evaluateTo - scenario.startMinute;
  const labelOf = new Map(scenario.labels.filter((l) => l.key !== null).map((l) => [l.key, l]));
  const inWindow = (label: AnomalyLabel | undefined): boolean =>
    label !== undefined &&
    EVALUABLE.includes(label.kind) &&
    label.startMinute >= from &&
    label.endMinute <= evaluateTo;
  const fits = (profile: KeyProfile): boolean => fitsPipeline(scenario, options, profile);
  const labelled = scenario.profiles.filter((p) => fits(p) && inWindow(labelOf.get(p.keyId)));
  const unlabelled = scenario.profiles.filter((p) => fits(p) && !labelOf.has(p.keyId));
  const chosen: KeyProfile[] = [];
  let budget = options.maxEvents;
  // Interleave, so a tight budget still has both anomalies and normal keys (whose alerts are false alarms).
  for (let index = 0; index < Math.max(labelled.length, unlabelled.length); index++) {
    for (const profile of [labelled[index], unlabelled[index]]) {
      if (profile === undefined) continue;
      const cost = estimatedEvents(profile, labelOf.get(profile.keyId), minutes);
      if (cost <= budget) {
        chosen.push(profile);
        budget -= cost;
      }
    }
  }
  return chosen;
}

function fitsPipeline(scenario: Scenario, options: PipelineOptions, profile: KeyProfile): boolean {
  return profile.meanRate <= options.maxRate && profile.firstMinute === scenario.startMinute;
}

/**
 * The whole hours to evaluate, and the whole number of weeks every timestamp is moved forward by. The
 * evaluator reads its look-back window from `key_activity_minute`, which keeps two days (TTL), so the evaluated
 * stretch must lie within the last two days of the real clock; moving by whole weeks keeps every hour of the
 * week (the seasonal baseline's unit) as generated. `--from` picks the stretch; otherwise it is the stretch of
 * `hours` holding the most evaluable labelled anomalies on keys the pipeline can carry among those that a
 * whole-week move brings into that window (the evaluator takes about a second per minute on a busy machine,
 * so weeks are out of reach; a stretch dense in anomalies gives the most labels per minute evaluated).
 */
function evaluationStretch(
  scenario: Scenario,
  options: PipelineOptions,
  fromFlag: string | undefined,
  realNowMinute: number,
): { from: number; to: number; shift: number } {
  const length = Math.round(options.hours * 60);
  const latestEnd = realNowMinute - 5;
  const earliestStart = realNowMinute - 2 * MINUTES_PER_DAY + 90;
  const shiftFor = (from: number): number | null => {
    const weeks = Math.floor((latestEnd - (from + length)) / MINUTES_PER_WEEK);
    const shift = weeks * MINUTES_PER_WEEK;
    return weeks >= 0 && from + shift >= earliestStart ? shift : null;
  };
  if (fromFlag !== undefined) {
    const from = Math.floor(Date.parse(fromFlag) / MINUTE_MS);
    const shift = Number.isSafeInteger(from) ? shiftFor(from) : null;
    if (from < scenario.evaluationStartMinute || shift === null) {
      throw new RangeError(
        '--from: must be an ISO time in the evaluation weeks whose hour of the week fell in the last two days',
      );
    }
    return { from, to: Math.min(scenario.endMinute, from + length), shift };
  }
  const profiles = new Map(scenario.profiles.map((profile) => [profile.keyId, profile]));
  const usable = scenario.labels.filter((label) => {
    const profile = label.key === null ? undefined : profiles.get(label.key);
    return (
      profile !== undefined && EVALUABLE.includes(label.kind) && fitsPipeline(scenario, options, profile)
    );
  });
  let best = { from: scenario.evaluationStartMinute, count: -1, shift: 0 };
  for (let from = scenario.evaluationStartMinute; from + length <= scenario.endMinute; from += 30) {
    const shift = shiftFor(from);
    if (shift === null) continue;
    const count = usable.filter((l) => l.startMinute >= from && l.endMinute <= from + length).length;
    if (count > best.count) best = { from, count, shift };
  }
  if (best.count < 0) throw new RangeError('--hours: too long to fit in the last two days');
  return { from: best.from, to: best.from + length, shift: best.shift };
}

async function main(): Promise<void> {
  const { scenario: scenarioOptions, flags } = parseScenarioArgs(process.argv.slice(2));
  const number = (name: string, fallback: number): number => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name}: must be a positive number`);
    return value;
  };
  const options: PipelineOptions = {
    hours: number('hours', 8),
    maxEvents: number('max-events', 600_000),
    maxRate: number('max-rate', 8),
    warmupDays: number('warmup-days', 14),
  };
  const scenario = buildScenario(scenarioOptions);
  const stretch = evaluationStretch(scenario, options, flags.get('from'), Math.floor(Date.now() / MINUTE_MS));
  const { shift } = stretch;
  const evaluateFrom = stretch.from;
  const evaluateTo = stretch.to;
  const profiles = chooseKeys(scenario, options, evaluateFrom, evaluateTo);
  const chosenIds = new Set(profiles.map((p) => p.keyId));
  const labels = scenario.labels.filter(
    (label) =>
      label.key !== null &&
      chosenIds.has(label.key) &&
      EVALUABLE.includes(label.kind) &&
      label.startMinute >= evaluateFrom &&
      label.startMinute < evaluateTo,
  );
  console.log(
    `Pipeline evaluation (timestamps moved ${shift / MINUTES_PER_WEEK} weeks forward): seed ${scenarioOptions.seed}, ${profiles.length} of ${scenarioOptions.keys} keys (≤ ${options.maxRate} calls/min, ≤ ${options.maxEvents.toLocaleString('en')} events), ${labels.length} labelled anomalies, evaluated ${new Date(evaluateFrom * MINUTE_MS).toISOString()} to ${new Date(evaluateTo * MINUTE_MS).toISOString()}; ${loadAverage()}.`,
  );

  const database = await createBenchDatabase('km_bench_anomaly');
  const chDir = mkdtempSync(join(tmpdir(), 'km-bench-anomaly-'));
  const handle = await openDatabase({ url: database.url });
  const clickhouse = await openClickHouse({ chdbPath: join(chDir, 'chdb'), database: 'keymeter' });
  const eventLog = createEmbeddedEventLog({ dataDir: join(chDir, 'event-log') });
  let nowMs = scenario.startMinute * MINUTE_MS;
  try {
    await runDatabaseMigrations(handle);
    await runClickHouseMigrations(clickhouse);
    await eventLog.ensureTopics([{ name: 'key-registry', partitions: 1, compacted: true }]);
    const km = createKeyManagement({
      dataSource: handle.dataSource,
      eventLog,
      registryTopic: 'key-registry',
      showAdminTokenOnce: () => undefined,
      clock: () => new Date(nowMs),
    });
    await km.start();

    // Customers and keys in Postgres; the events carry their real ids.
    const ids = new Map<string, { keyId: string; customerId: string }>();
    const customers = new Map<string, string>();
    for (const profile of profiles) {
      let customerId = customers.get(profile.customerId);
      if (customerId === undefined) {
        const customer = await km.customers.create(
          {
            name: profile.customerId,
            email: `${profile.customerId}@bench.example`,
            timezone: 'UTC',
            currency: 'EUR',
          },
          ADMIN,
        );
        customerId = customer.id;
        customers.set(profile.customerId, customerId);
      }
      const key = await km.apiKeys.create(customerId, { name: profile.keyId }, ADMIN);
      ids.set(profile.keyId, { keyId: key.id, customerId });
    }
    // Rotations and revocations at their scenario times (the key management clock is the simulated one).
    for (const profile of profiles) {
      const { rotatedAtMinute, graceEndsMinute, revokedAtMinute } = profile.lifecycle;
      const keyId = ids.get(profile.keyId)!.keyId;
      if (rotatedAtMinute !== null && graceEndsMinute !== null) {
        nowMs = (rotatedAtMinute + shift) * MINUTE_MS;
        await km.apiKeys.rotate(
          keyId,
          { gracePeriodSeconds: ((graceEndsMinute - rotatedAtMinute) * MINUTE_MS) / 1000 },
          ADMIN,
        );
      }
      if (revokedAtMinute !== null) {
        nowMs = (revokedAtMinute + shift) * MINUTE_MS;
        await km.apiKeys.revoke(keyId, ADMIN);
      }
    }

    // Events → prepareBatch → ClickHouseIngestStore, in log-sized batches.
    const store = new ClickHouseIngestStore(clickhouse.client);
    const streams = profiles.map((profile) => ({
      profile: { ...profile, ...ids.get(profile.keyId)! },
      next: createKeyStream(scenario, profile),
    }));
    const random = derivedRandom(scenarioOptions.seed, 77);
    let records: LogRecord[] = [];
    let offset = 0;
    let events = 0;
    const flush = async (): Promise<void> => {
      if (records.length === 0) return;
      const prepared = prepareBatch(records, 3_600_000);
      if (prepared.deadLetters.length > 0) {
        throw new Error(`generated events refused: ${prepared.deadLetters[0].reason}`);
      }
      await store.insertRawEvents(prepared.body, {
        topic: TOPIC,
        partition: 0,
        firstOffset: BigInt(records[0].offset),
        lastOffset: BigInt(records[records.length - 1].offset),
      });
      events += prepared.body.rowCount;
      records = [];
    };
    const ingestStart = performance.now();
    const ingestProgress = createProgress('ingest', { unit: 'minutes' });
    const minutes = evaluateTo - scenario.startMinute;
    for (let minute = scenario.startMinute; minute < evaluateTo; minute++) {
      for (const stream of streams) {
        const sample = stream.next(minute);
        if (sample.counts.requests === 0) continue;
        for (const event of usageEventsForMinute(stream.profile, minute + shift, sample, random)) {
          records.push({
            topic: TOPIC,
            partition: 0,
            offset: String(offset++),
            key: event.keyId,
            value: encodeUsageEvent(event),
            timestamp: Date.parse(event.occurredAt) + 1000,
            headers: {},
          });
        }
      }
      if (records.length >= BATCH_EVENTS) await flush();
      if ((minute - scenario.startMinute) % 60 === 0) {
        ingestProgress.update(
          minute - scenario.startMinute,
          minutes,
          `${events.toLocaleString('en')} events`,
        );
      }
    }
    await flush();
    ingestProgress.finish();
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    console.log(
      `Ingested ${events.toLocaleString('en')} events in ${ingestSeconds.toFixed(0)} s (${Math.round(events / ingestSeconds).toLocaleString('en')} events/s, generation included); ${loadAverage()}.`,
    );

    // The billing app's evaluator, one minute after another, on the simulated clock.
    const alerts = createAlerts({
      dataSource: handle.dataSource,
      traffic: clickhouse,
      apiKeys: km.apiKeys,
      settings: {
        evaluationIntervalMs: 0,
        evaluationDelayMs: EVALUATION_DELAY_MS,
        autoResolveAfterMinutes: DEFAULT_SCORING.mergeGapMinutes,
        baselineWarmupDays: options.warmupDays,
      },
      logger: { info: () => undefined, error: (fields, message) => console.error(message, fields) },
      clock: () => nowMs,
    });
    const evaluateProgress = createProgress('evaluate', { unit: 'minutes' });
    const perMinute: number[] = [];
    let opened = 0;
    let keyMinutes = 0;
    let findings = 0;
    for (let minute = evaluateFrom; minute < evaluateTo; minute++) {
      nowMs = (minute + shift + 1) * MINUTE_MS + EVALUATION_DELAY_MS;
      const started = performance.now();
      const result = await alerts.evaluator.evaluate(minute + shift);
      perMinute.push(performance.now() - started);
      opened += result.opened;
      keyMinutes += result.keys;
      findings += result.findings;
      evaluateProgress.update(
        minute - evaluateFrom + 1,
        evaluateTo - evaluateFrom,
        `${result.keys} keys, ${findings} findings, ${opened} alerts opened`,
      );
    }
    evaluateProgress.finish();
    const wall = [...perMinute].sort((a, b) => a - b);
    console.log(
      `Evaluated ${wall.length} minutes (${keyMinutes.toLocaleString('en')} key-minutes, ${findings} findings): wall time per minute median ${wall[Math.floor(wall.length / 2)].toFixed(0)} ms, p90 ${wall[Math.floor(wall.length * 0.9)].toFixed(0)} ms; the first minute, which warmed up ${profiles.length} baselines from ${options.warmupDays} days of ClickHouse history, ${perMinute[0].toFixed(0)} ms; ${loadAverage()}.`,
    );

    // Alerts back from Postgres: one episode per alert; at medium or above from when it reached that severity.
    const episodes = await readAlertEpisodes(
      handle.dataSource,
      new Map([...ids].map(([generated, real]) => [real.keyId, generated])),
      shift,
    );
    console.log(`\nAlerts in Postgres: ${episodes.alerts}.`);
    printReport('All alerts', scoreEpisodes(labels, episodes.all));
    printReport('Alerts of severity medium or above', scoreEpisodes(labels, episodes.mediumOrAbove));
    await km.stop();
  } finally {
    await eventLog.close();
    await clickhouse.close();
    await handle.close();
    await database.drop();
    rmSync(chDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
