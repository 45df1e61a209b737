import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type HistogramConfiguration,
} from 'prom-client';
import { USAGE_OUTCOMES, type UsageOutcome } from '@keymeter/contracts';
import type { UsageEventSink } from '@keymeter/event-sink';
import type { LimitDecisionCounts } from '../limits/limit-store';

/** What the request path reports; kept to a few pre-resolved metric children per call. */
export interface CallRecorder {
  recordCall(outcome: UsageOutcome, latencyMs: number): void;
  recordEventEmitted(): void;
  recordEmitFailure(): void;
  recordLimitStoreFailure(): void;
}

export interface GatewayMetricsSources {
  readonly sink: () => UsageEventSink | undefined;
  readonly registrySize: () => number;
  readonly registryLag: () => number;
  /** The limit store's decision counts since it opened (undefined before it is open). */
  readonly limitDecisions?: () => LimitDecisionCounts | undefined;
}

/** `source` label values of the limit-decision counter, in the order of {@link LimitDecisionCounts}. */
const LIMIT_DECISION_SOURCES = [
  ['in_process', 'inProcess'],
  ['lease', 'lease'],
  ['redis', 'redis'],
] as const;

/**
 * The gateway's Prometheus metrics, in a registry of its own (two gateways in one process do not clash).
 * Sink and registry figures are read when /metrics is scraped, not on the request path.
 */
export class GatewayMetrics implements CallRecorder {
  readonly registry = new Registry();
  /** Calls per outcome (index in USAGE_OUTCOMES) not yet added to the Prometheus counter. */
  private readonly callsPending = new Float64Array(USAGE_OUTCOMES.length);
  private readonly latency: OutcomeLatencyHistogram;
  /** Events handed to the sink not yet added to the Prometheus counter (one slot). */
  private readonly eventsEmittedPending = new Float64Array(1);
  private readonly emitFailures: Counter;
  private readonly limitStoreFailures: Counter;

  constructor(sources: GatewayMetricsSources, options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const callsPending = this.callsPending;
    // The request path counts in plain numbers; the counters take them when /metrics is scraped (prom-client
    // hashes the label set on every inc or observe, even through a pre-resolved child).
    new Counter({
      name: 'keymeter_gateway_requests_total',
      help: 'Calls answered by the gateway, by outcome',
      labelNames: ['outcome'],
      registers,
      collect(this: Counter<'outcome'>): void {
        // In the order outcomes were first seen, as prom-client lists label sets.
        for (const index of latency.seen) {
          if (callsPending[index] === 0) continue;
          this.inc({ outcome: USAGE_OUTCOMES[index] }, callsPending[index]);
          callsPending[index] = 0;
        }
      },
    });
    const latency = new OutcomeLatencyHistogram({
      name: 'keymeter_gateway_request_duration_seconds',
      help: 'Time from request received to response finished, by outcome',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.latency = latency;
    const eventsEmittedPending = this.eventsEmittedPending;
    new Counter({
      name: 'keymeter_gateway_events_emitted_total',
      help: 'Usage events handed to the event sink',
      registers,
      collect(this: Counter): void {
        if (eventsEmittedPending[0] === 0) return;
        this.inc(eventsEmittedPending[0]);
        eventsEmittedPending[0] = 0;
      },
    });
    this.emitFailures = new Counter({
      name: 'keymeter_gateway_event_emit_failures_total',
      help: 'Usage events the sink refused synchronously (lost)',
      registers,
    });
    this.limitStoreFailures = new Counter({
      name: 'keymeter_gateway_limit_store_failures_total',
      help: 'Rate-limit store round trips that failed; the call was let through (fail-open)',
      registers,
    });
    // The stores count decisions in plain fields; the counter adds what they counted since the last scrape.
    const decisionsSeen = new Float64Array(LIMIT_DECISION_SOURCES.length);
    new Counter({
      name: 'keymeter_gateway_limit_decisions_total',
      help: 'Calls with limits decided by the limit store, by where: in_process, lease (an allowance lease held in memory) or redis (a script run)',
      labelNames: ['source'],
      registers,
      collect(this: Counter<'source'>): void {
        const counts = sources.limitDecisions?.();
        if (counts === undefined) return;
        for (let index = 0; index < LIMIT_DECISION_SOURCES.length; index++) {
          const [source, field] = LIMIT_DECISION_SOURCES[index];
          const delta = counts[field] - decisionsSeen[index];
          if (delta <= 0) continue;
          this.inc({ source }, delta);
          decisionsSeen[index] = counts[field];
        }
      },
    });
    const sinkGauge = (
      name: string,
      help: string,
      read: (s: ReturnType<UsageEventSink['stats']>) => number,
    ): void => {
      new Gauge({
        name,
        help,
        registers,
        collect(this: Gauge): void {
          const sink = sources.sink();
          if (sink !== undefined) this.set(read(sink.stats()));
        },
      });
    };
    sinkGauge(
      'keymeter_gateway_sink_pending_events',
      'Events accepted but not yet in the event log (memory + spool)',
      (s) => s.pending,
    );
    sinkGauge('keymeter_gateway_sink_spool_bytes', 'Bytes held in the on-disk spool', (s) => s.spoolBytes);
    sinkGauge(
      'keymeter_gateway_sink_events_produced',
      'Events acknowledged by the event log since start',
      (s) => s.produced,
    );
    sinkGauge(
      'keymeter_gateway_sink_producer_errors',
      'Failed produce attempts since start',
      (s) => s.producerErrors,
    );
    new Gauge({
      name: 'keymeter_gateway_registry_credentials',
      help: 'Credentials (API keys and ingest tokens) in the in-memory key registry',
      registers,
      collect(this: Gauge): void {
        this.set(sources.registrySize());
      },
    });
    new Gauge({
      name: 'keymeter_gateway_registry_lag_records',
      help: 'Key-registry records in the log not yet applied by this gateway',
      registers,
      collect(this: Gauge): void {
        this.set(sources.registryLag());
      },
    });
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'keymeter_gateway_' });
  }

  recordCall(outcome: UsageOutcome, latencyMs: number): void {
    const index = OUTCOME_INDEX[outcome];
    this.callsPending[index]++;
    this.latency.record(index, latencyMs / 1000);
  }

  recordEventEmitted(): void {
    this.eventsEmittedPending[0]++;
  }

  recordEmitFailure(): void {
    this.emitFailures.inc();
  }

  recordLimitStoreFailure(): void {
    this.limitStoreFailures.inc();
  }

  /** Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const OUTCOME_INDEX = Object.fromEntries(USAGE_OUTCOMES.map((outcome, index) => [outcome, index])) as Record<
  UsageOutcome,
  number
>;

/** One exported sample, in the shape prom-client's registry formats. */
interface HistogramSample {
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: Record<string, string>;
  readonly value: number;
  readonly metricName: string;
  /** prom-client's buckets carry `exemplar: null` when exemplars are off. */
  readonly exemplar?: null;
}

/**
 * The latency histogram by outcome, counted in typed arrays on the request path: `record` is a bucket search
 * and three additions, where prom-client's `observe` validates and hashes the label set on every call. It is
 * exported as prom-client exports a histogram (same series, same order: per outcome seen, the cumulative
 * buckets, `+Inf`, `_sum`, `_count`), by overriding the method prom-client's registry and `get()` read the
 * samples from.
 */
class OutcomeLatencyHistogram extends Histogram<'outcome'> {
  private readonly bounds: readonly number[];
  /** Per outcome, the observations per bucket (the last one past every bound). */
  private readonly bucketCounts: Float64Array;
  private readonly sums = new Float64Array(USAGE_OUTCOMES.length);
  private readonly counts = new Float64Array(USAGE_OUTCOMES.length);
  /** Outcome indexes in the order of their first observation (prom-client lists label sets that way). */
  readonly seen: number[] = [];

  constructor(config: HistogramConfiguration<'outcome'> & { readonly buckets: readonly number[] }) {
    super({ ...config, buckets: [...config.buckets] });
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.bucketCounts = new Float64Array(USAGE_OUTCOMES.length * (this.bounds.length + 1));
  }

  record(outcomeIndex: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    if (this.counts[outcomeIndex] === 0) this.seen.push(outcomeIndex);
    this.bucketCounts[outcomeIndex * (bounds.length + 1) + bucket]++;
    this.sums[outcomeIndex] += seconds;
    this.counts[outcomeIndex]++;
  }

  /** What prom-client's registry formats (and `get()` splays): the samples of every outcome seen. */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: HistogramSample[];
    aggregator: unknown;
  }> {
    // Set by prom-client's Metric constructor; not in its type declarations.
    const { name, help, aggregator } = this as unknown as { name: string; help: string; aggregator: unknown };
    const values: HistogramSample[] = [];
    const width = this.bounds.length + 1;
    for (const index of this.seen) {
      const sharedLabels = { outcome: USAGE_OUTCOMES[index] };
      let cumulative = 0;
      for (let bucket = 0; bucket < this.bounds.length; bucket++) {
        cumulative += this.bucketCounts[index * width + bucket];
        values.push({
          labels: { le: this.bounds[bucket] },
          sharedLabels,
          value: cumulative,
          metricName: `${name}_bucket`,
          exemplar: null,
        });
      }
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels,
          value: this.counts[index],
          metricName: `${name}_bucket`,
          exemplar: null,
        },
        { labels: {}, sharedLabels, value: this.sums[index], metricName: `${name}_sum` },
        { labels: {}, sharedLabels, value: this.counts[index], metricName: `${name}_count` },
      );
    }
    return Promise.resolve({ name, help, type: 'histogram', values, aggregator });
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls this too, before the fields of this class are set.
    (this.bucketCounts as Float64Array | undefined)?.fill(0);
    (this.sums as Float64Array | undefined)?.fill(0);
    (this.counts as Float64Array | undefined)?.fill(0);
    (this.seen as number[] | undefined)?.splice(0);
  }
}
