/**
 * The anomaly evaluation through the real pipeline at the scale: 1,000 keys, a week of history and a
 * week evaluated.
 *
 *   generated UsageEvents (the `pipeline` traffic mix: most keys well under a call a minute, labelled
 *   anomalies of every kind in the second week; `labels-pipeline-<seed>.json`)
 *     → produced to a topic of the Kafka broker (`KAFKA_BROKERS`, default 127.0.0.1:29092), keyed as the
 *       gateway's sink keys them
 *     → the ingestor's engine (`IngestionEngine`, libs/ingestion, as apps/ingestor runs it: batches, dead
 *       letters, deduplication, watermarks) into chDB (raw table, rollups, `key_activity_minute`,
 *       `auth_failures_minute` filled by the materialized views)
 *     → the billing app's `AlertEvaluator` catching up the evaluated week (`evaluateRange`: a few grouped
 *       reads per chunk of minutes, then the live path's step minute by minute on a simulated clock; key facts
 *       and quotas from Postgres, baselines warmed up from the week of history in ClickHouse, the lifecycle)
 *     → alerts and their events in Postgres → precision, recall and delay per kind against the labels.
 *
 * Run: npm run bench:anomaly:pipeline:weeks [-- --seed N --keys N --weeks N --learning-weeks N
 *        --partitions N --chunk-minutes N --json FILE]
 *
 * Deviations from production, each because the evaluation replays two weeks in minutes: the two minute tables
 * the evaluator reads keep two days (TTL) in production; here their TTL is removed, since the replayed week
 * lies months back on the real clock. Customers and keys are created through key management before the
 * events (with their scenario quotas; rotations and revocations at their scenario times on the simulated
 * clock). The key registry goes to an embedded log (no gateway runs here).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAlerts } from '@keymeter/alerts';
import { openClickHouse, runClickHouseMigrations } from '@keymeter/clickhouse';
import { encodeUsageEvent, newEventId, type UsageEventV1 } from '@keymeter/contracts';
import { openDatabase, runDatabaseMigrations } from '@keymeter/database';
import { MINUTE_MS, MINUTES_PER_DAY } from '@keymeter/domain';
import { createEmbeddedEventLog, createKafkaEventLog, type OutgoingMessage } from '@keymeter/event-log';
import { usageEventKey } from '@keymeter/event-sink';
import { ClickHouseIngestStore, IngestionEngine } from '@keymeter/ingestion';
import { createKeyManagement, type AuditActor } from '@keymeter/keys';
import { createProgress } from '@keymeter/platform';
import { parseScenarioArgs } from './cli-options';
import { PIPELINE_MIX } from './pipeline-mix';
import { createBenchDatabase, printReport, readAlertEpisodes } from './pipeline-report';
import { loadAverage } from './report-tables';
import { derivedRandom, integer, type Random } from './random';
import { DEFAULT_SCORING, scoreEpisodes, type ScoreReport } from './scoring';
import { buildScenario, createKeyStream, createUnidentifiedFailureStream } from './traffic-model';
import { addressIn, usageEventsForMinute } from './usage-events';

const ADMIN: AuditActor = { type: 'admin_token', id: '00000000-0000-4000-8000-00000000a001', label: 'bench' };
const DEFAULT_SEED = 20261201;
/** Messages per producer call. */
const SEND_BATCH = 5_000;
/** The ingestor's defaults (libs/config): batches of 10,000 events or 500 ms, an hour's grace for lateness. */
const INGEST = { maxBatchEvents: 10_000, maxBatchWaitMs: 500, lateGraceMs: 3_600_000 };
/** Tables the evaluator reads that keep two days in production (see the header). */
const MINUTE_TABLES = ['key_activity_minute', 'auth_failures_minute', 'key_country_minute'];

function positive(flags: Map<string, string>, name: string, fallback: number): number {
  const value = Number(flags.get(name) ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`--${name}: must be a positive integer`);
  return value;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 1000);
}

/**
 * Rejected calls whose key nobody could identify (no key id, no customer), as the gateway records them:
 * background scanners and the keyless credential-stuffing labels.
 */
function unidentifiedFailureEvents(
  minute: number,
  failuresByNetwork: Readonly<Record<string, number>>,
  random: Random,
): UsageEventV1[] {
  const events: UsageEventV1[] = [];
  for (const [network, failures] of Object.entries(failuresByNetwork)) {
    for (let index = 0; index < failures; index++) {
      const occurredMs = minute * MINUTE_MS + Math.floor(random() * MINUTE_MS);
      events.push({
        v: 1,
        id: newEventId(occurredMs, (n) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256))),
        occurredAt: new Date(occurredMs).toISOString(),
        gatewayId: 'gw-bench',
        keyId: '',
        customerId: '',
        method: 'GET',
        route: '/v1/quotes/:symbol',
        status: 401,
        latencyMs: integer(random, 1, 5),
        requestBytes: integer(random, 100, 400),
        responseBytes: 120,
        units: '0',
        clientIp: addressIn(network, random),
        userAgent: 'python-requests/2.31',
        outcome: 'rejected_auth',
        billable: false,
      });
    }
  }
  return events;
}

function reportJson(report: ScoreReport): unknown {
  return {
    byLabel: report.byLabel,
    byFinding: report.byFinding,
    missed: report.missed.map((label) => ({
      id: label.id,
      kind: label.kind,
      key: label.key,
      start: label.start,
    })),
    slow: report.slow.map(({ label, delayMinutes }) => ({
      id: label.id,
      kind: label.kind,
      key: label.key,
      start: label.start,
      delayMinutes,
      details: label.details,
    })),
    unexplained: report.falsePositives.map((episode) => ({
      kind: episode.kind,
      key: episode.key,
      network: episode.network,
      start: new Date(episode.startMinute * MINUTE_MS).toISOString(),
      summary: episode.summary,
    })),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseScenarioArgs(argv);
  const { flags } = parsed;
  const scenarioOptions = {
    ...parsed.scenario,
    seed: flags.has('seed') ? parsed.scenario.seed : DEFAULT_SEED,
    weeks: flags.has('weeks') ? parsed.scenario.weeks : 2,
    learningWeeks: flags.has('learning-weeks') ? parsed.scenario.learningWeeks : 1,
    mix: PIPELINE_MIX,
  };
  const partitions = positive(flags, 'partitions', 4);
  const chunkMinutes = positive(flags, 'chunk-minutes', 240);
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(',').filter((b) => b !== '');
  const began = performance.now();
  const scenario = buildScenario(scenarioOptions);
  const { labels } = scenario;
  const evaluateFrom = scenario.evaluationStartMinute;
  const evaluateTo = scenario.endMinute - 1;
  console.log(
    `Pipeline evaluation over weeks: seed ${scenarioOptions.seed}, ${scenarioOptions.keys} keys (mix ${PIPELINE_MIX.name}), ${scenarioOptions.weeks} weeks of traffic from ${new Date(scenario.startMinute * MINUTE_MS).toISOString()}, ${labels.length} labels; evaluated ${new Date(evaluateFrom * MINUTE_MS).toISOString()} to ${new Date((evaluateTo + 1) * MINUTE_MS).toISOString()}; Kafka ${brokers.join(',')}, ${partitions} partitions; ${loadAverage()}.`,
  );

  const database = await createBenchDatabase('km_bench_anomaly_weeks');
  const workDir = mkdtempSync(join(tmpdir(), 'km-range-weeks-'));
  const handle = await openDatabase({ url: database.url });
  const clickhouse = await openClickHouse({ chdbPath: join(workDir, 'chdb'), database: 'keymeter' });
  const registryLog = createEmbeddedEventLog({ dataDir: join(workDir, 'registry-log') });
  const kafka = createKafkaEventLog({ brokers, clientId: 'keymeter-bench-anomaly-weeks' });
  const topic = `km-range-usage-events-${process.pid}`;
  const deadLetterTopic = `${topic}-dlq`;
  let nowMs = scenario.startMinute * MINUTE_MS;
  try {
    await runDatabaseMigrations(handle);
    await runClickHouseMigrations(clickhouse);
    const tables: { name: string }[] = await (
      await clickhouse.client.query({ query: 'SHOW TABLES', format: 'JSONEachRow' })
    ).json();
    for (const table of MINUTE_TABLES.filter((name) => tables.some((row) => row.name === name))) {
      await clickhouse.client.command({ query: `ALTER TABLE ${table} REMOVE TTL` });
    }
    await registryLog.ensureTopics([{ name: 'key-registry', partitions: 1, compacted: true }]);
    const km = createKeyManagement({
      dataSource: handle.dataSource,
      eventLog: registryLog,
      registryTopic: 'key-registry',
      showAdminTokenOnce: () => undefined,
      clock: () => new Date(nowMs),
    });
    await km.start();

    // Customers and keys in Postgres, with the scenario's quotas; the events carry their real ids.
    const keysStarted = performance.now();
    const ids = new Map<string, { keyId: string; customerId: string }>();
    const customers = new Map<string, string>();
    for (const profile of scenario.profiles) {
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
      const key = await km.apiKeys.create(
        customerId,
        {
          name: profile.keyId,
          quotas: {
            requestsPerDay: profile.requestsPerDay,
            creditsPerMonth: profile.creditsPerMonth === null ? null : String(profile.creditsPerMonth),
          },
        },
        ADMIN,
      );
      ids.set(profile.keyId, { keyId: key.id, customerId });
    }
    for (const profile of scenario.profiles) {
      const { rotatedAtMinute, graceEndsMinute, revokedAtMinute } = profile.lifecycle;
      const keyId = ids.get(profile.keyId)!.keyId;
      if (rotatedAtMinute !== null && graceEndsMinute !== null) {
        nowMs = rotatedAtMinute * MINUTE_MS;
        await km.apiKeys.rotate(
          keyId,
          { gracePeriodSeconds: ((graceEndsMinute - rotatedAtMinute) * MINUTE_MS) / 1000 },
          ADMIN,
        );
      }
      if (revokedAtMinute !== null) {
        nowMs = revokedAtMinute * MINUTE_MS;
        await km.apiKeys.revoke(keyId, ADMIN);
      }
    }
    const keysSeconds = seconds(keysStarted);
    console.log(
      `${ids.size} keys of ${customers.size} customers created in ${keysSeconds} s; ${loadAverage()}.`,
    );

    // Produce to Kafka while the ingestor's engine consumes into chDB.
    await kafka.ensureTopics([
      { name: topic, partitions },
      { name: deadLetterTopic, partitions: 1 },
    ]);
    let committed = 0;
    let inserted = 0;
    let deadLettered = 0;
    const engine = new IngestionEngine({
      eventLog: kafka,
      store: new ClickHouseIngestStore(clickhouse.client),
      topic,
      groupId: `${topic}-ingestor`,
      deadLetterTopic,
      ...INGEST,
      onBatchCommitted: (batch) => {
        committed += batch.records;
        inserted += batch.inserted;
        deadLettered += batch.deadLettered;
      },
    });
    await engine.start();
    const producer = await kafka.producer();
    const ingestStarted = performance.now();
    const streams = scenario.profiles.map((profile) => ({
      profile: { ...profile, ...ids.get(profile.keyId)! },
      next: createKeyStream(scenario, profile),
    }));
    const random = derivedRandom(scenarioOptions.seed, 77);
    const unidentified = createUnidentifiedFailureStream(scenario);
    let produced = 0;
    let pending: OutgoingMessage[] = [];
    const totalMinutes = scenario.endMinute - scenario.startMinute;
    const progress = createProgress('produce + ingest', { unit: 'minutes' });
    for (let minute = scenario.startMinute; minute < scenario.endMinute; minute++) {
      for (const stream of streams) {
        const sample = stream.next(minute);
        if (sample.counts.requests === 0) continue;
        for (const event of usageEventsForMinute(stream.profile, minute, sample, random)) {
          pending.push({ key: usageEventKey(event), value: encodeUsageEvent(event) });
        }
      }
      for (const event of unidentifiedFailureEvents(minute, unidentified(minute), random)) {
        pending.push({ key: usageEventKey(event), value: encodeUsageEvent(event) });
      }
      if (pending.length >= SEND_BATCH) {
        await producer.send(topic, pending);
        produced += pending.length;
        pending = [];
      }
      if ((minute - scenario.startMinute) % 60 === 0) {
        progress.update(
          minute - scenario.startMinute,
          totalMinutes,
          `${produced.toLocaleString('en')} produced, ${inserted.toLocaleString('en')} inserted`,
        );
      }
    }
    await producer.send(topic, pending);
    produced += pending.length;
    await producer.close();
    const producedSeconds = seconds(ingestStarted);
    progress.finish();
    console.log(
      `Produced ${produced.toLocaleString('en')} events in ${producedSeconds} s (generation included); ${inserted.toLocaleString('en')} inserted so far; ${loadAverage()}.`,
    );
    const drain = createProgress('ingest', { unit: 'events' });
    while (committed < produced) {
      drain.update(committed, produced, `${inserted.toLocaleString('en')} inserted`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    drain.finish();
    await engine.stop();
    const ingestSeconds = seconds(ingestStarted);
    console.log(
      `Ingested ${inserted.toLocaleString('en')} of ${produced.toLocaleString('en')} events (${deadLettered} dead-lettered) in ${ingestSeconds} s from the first send: ${Math.round(produced / ingestSeconds).toLocaleString('en')} events/s end to end; ${loadAverage()}.`,
    );

    // The billing app's evaluator catches up the evaluated week on the simulated clock.
    const alerts = createAlerts({
      dataSource: handle.dataSource,
      traffic: clickhouse,
      apiKeys: km.apiKeys,
      settings: {
        evaluationIntervalMs: 0,
        evaluationDelayMs: 15_000,
        autoResolveAfterMinutes: DEFAULT_SCORING.mergeGapMinutes,
        // Back to the scenario's start for every key, whenever in the evaluated week it is first seen: a warm-up
        // of exactly the week before would start a quiet key's history (and its 7-day learning period) at its
        // first call after that point, so a key first seen late in the week was still learning.
        baselineWarmupDays: Math.ceil((evaluateTo + 1 - scenario.startMinute) / MINUTES_PER_DAY),
      },
      logger: { info: () => undefined, error: (fields, message) => console.error(message, fields) },
      clock: () => nowMs,
    });
    nowMs = (evaluateTo + 1) * MINUTE_MS + 15_000;
    const evaluateStarted = performance.now();
    const evaluateProgress = createProgress('evaluate', { unit: 'minutes' });
    // Wall time between consecutive minutes (the evaluator's clock is the simulated one); a chunk's reads
    // count towards its first minute.
    const minuteMs: number[] = [];
    let lastMinuteAt = evaluateStarted;
    let opened = 0;
    const range = await alerts.evaluator.evaluateRange(evaluateFrom, evaluateTo, {
      chunkMinutes,
      onMinute: (minute) => {
        const at = performance.now();
        minuteMs.push(at - lastMinuteAt);
        lastMinuteAt = at;
        opened += minute.opened;
        if (minuteMs.length % 30 === 0) {
          evaluateProgress.update(
            minuteMs.length,
            evaluateTo - evaluateFrom + 1,
            `${minute.keys} keys, ${opened} alerts opened`,
          );
        }
      },
    });
    evaluateProgress.finish();
    const evaluateSeconds = seconds(evaluateStarted);
    const sorted = [...minuteMs].sort((a, b) => a - b);
    const quantile = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    console.log(
      `Evaluated ${range.evaluated.toLocaleString('en')} minutes (${range.keys.toLocaleString('en')} key-minutes, ${range.findings.toLocaleString('en')} findings, ${range.opened} alerts opened, ${range.warmedUp} baselines warmed up) in ${evaluateSeconds} s; per minute median ${quantile(0.5).toFixed(0)} ms, p90 ${quantile(0.9).toFixed(0)} ms, max ${quantile(1).toFixed(0)} ms (the first, with the first chunk's reads and the warm-up of the keys from ${Math.ceil((evaluateFrom - scenario.startMinute) / MINUTES_PER_DAY)} days of history: ${minuteMs[0]?.toFixed(0)} ms); ${loadAverage()}.`,
    );

    const episodes = await readAlertEpisodes(
      handle.dataSource,
      new Map([...ids].map(([generated, real]) => [real.keyId, generated])),
      0,
    );
    console.log(`\nAlerts in Postgres: ${episodes.alerts}.`);
    const all = scoreEpisodes(labels, episodes.all);
    const medium = scoreEpisodes(labels, episodes.mediumOrAbove);
    printReport('All alerts', all);
    printReport('Alerts of severity medium or above', medium);
    const silentKeys = scenario.profiles.filter((profile) => profile.firstMinute >= scenario.endMinute);
    console.log(
      `\nKeys without a call in the run (created after it in the scenario): ${silentKeys.length}. Total wall time ${seconds(began)} s; ${loadAverage()}.`,
    );
    const jsonPath = flags.get('json');
    if (jsonPath !== undefined) {
      writeFileSync(
        jsonPath,
        `${JSON.stringify(
          {
            seed: scenarioOptions.seed,
            keys: scenarioOptions.keys,
            weeks: scenarioOptions.weeks,
            produced,
            inserted,
            deadLettered,
            seconds: {
              keys: keysSeconds,
              produce: producedSeconds,
              ingest: ingestSeconds,
              evaluate: evaluateSeconds,
              total: seconds(began),
            },
            range,
            perMinuteMs: { median: quantile(0.5), p90: quantile(0.9), max: quantile(1), first: minuteMs[0] },
            alerts: episodes.alerts,
            all: reportJson(all),
            mediumOrAbove: reportJson(medium),
          },
          null,
          2,
        )}\n`,
      );
    }
    await km.stop();
  } finally {
    await kafka.close();
    await registryLog.close();
    await clickhouse.close();
    await handle.close();
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
