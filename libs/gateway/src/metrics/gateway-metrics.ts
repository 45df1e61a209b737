import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { USAGE_OUTCOMES, type UsageOutcome } from '@keymeter/contracts';
import type { UsageEventSink } from '@keymeter/event-sink';

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
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (two gateways in one process do not clash).
 * Sink and registry figures are read when /metrics is scraped, not on the request path.
 */
export class GatewayMetrics implements CallRecorder {
  readonly registry = new Registry();
  private readonly requests: Record<UsageOutcome, Counter.Internal>;
  private readonly latency: Record<UsageOutcome, Histogram.Internal<string>>;
  private readonly emitted: Counter;
  private readonly emitFailures: Counter;
  private readonly limitStoreFailures: Counter;

  constructor(sources: GatewayMetricsSources, options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const requests = new Counter({
      name: 'keymeter_gateway_requests_total',
      help: 'Calls answered by the gateway, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    const latency = new Histogram({
      name: 'keymeter_gateway_request_duration_seconds',
      help: 'Time from request received to response finished, by outcome',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.requests = Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, requests.labels(o)])) as Record<
      UsageOutcome,
      Counter.Internal
    >;
    this.latency = Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, latency.labels(o)])) as Record<
      UsageOutcome,
      Histogram.Internal<string>
    >;
    this.emitted = new Counter({
      name: 'keymeter_gateway_events_emitted_total',
      help: 'Usage events handed to the event sink',
      registers,
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
    this.requests[outcome].inc();
    this.latency[outcome].observe(latencyMs / 1000);
  }

  recordEventEmitted(): void {
    this.emitted.inc();
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
