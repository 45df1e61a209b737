import type { UsageEventSink } from '@keymeter/event-sink';
import {
  GatewayMetrics,
  GatewayProxy,
  InProcessLimitStore,
  KeyRegistryView,
  RedisLimitStore,
  gatewayFrontHandler,
  loadRoutesFile,
  subscribeToKeyRegistry,
  type LimitStore,
  type RegistrySubscription,
} from '@keymeter/gateway';
import {
  eventLogCheck,
  requireEventLog,
  startHttpApp,
  type Infrastructure,
  type RunningHttpApp,
} from '@keymeter/platform';
import { GatewayModule } from './gateway.module';
import { openUsageEventSink } from './open-usage-event-sink';

export interface GatewayStartOptions {
  /** Where usage events go; by default the spooling Kafka sink of @keymeter/event-sink. */
  readonly sink?: UsageEventSink;
  /** Overrides config.gatewayId (several gateways in one process). */
  readonly gatewayId?: string;
  /** Overrides config.ports.gateway. */
  readonly port?: number;
  /** An upstream silent this long is answered 504 (default 30 s; tests shorten it). */
  readonly upstreamTimeoutMs?: number;
}

const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * The gateway: reads routes, rebuilds the key registry from its topic (and serves only once caught up),
 * opens the limit store and the event sink, then listens with the proxy in front of the Nest app.
 */
export async function startGateway(
  infra: Infrastructure,
  options: GatewayStartOptions = {},
): Promise<RunningHttpApp> {
  const { config } = infra;
  const eventLog = requireEventLog(infra);
  const gatewayId = options.gatewayId ?? config.gatewayId;
  const logger = infra.logger.child({ app: 'gateway', gatewayId });
  const routes = loadRoutesFile(config.gatewayRoutesFile);

  const view = new KeyRegistryView();
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  let registry: RegistrySubscription | undefined;
  let sink: UsageEventSink | undefined;
  let limitStore: LimitStore | undefined;
  const metrics = new GatewayMetrics({
    sink: () => sink,
    registrySize: () => view.size,
    registryLag: () => registry?.lag() ?? 0,
    limitDecisions: () => limitStore?.decisions(),
  });
  try {
    registry = await subscribeToKeyRegistry({
      eventLog,
      topic: config.topics.keyRegistry.name,
      view,
      instanceId: gatewayId,
      onSkippedRecord: (offset) => logger.warn({ offset }, 'key registry: skipped a record of unknown shape'),
    });
    closers.push(() => registry?.stop());
    logger.info({ credentials: view.size, groupId: registry.groupId }, 'key registry loaded');

    const limits = await openLimitStore(infra, metrics, logger);
    limitStore = limits;
    closers.push(() => limits.close());

    const eventSink = options.sink ?? (await openUsageEventSink(infra, eventLog, gatewayId));
    sink = eventSink;
    if (options.sink === undefined) closers.push(() => eventSink.close());

    const proxy = new GatewayProxy({
      gatewayId,
      routes,
      verifier: view,
      scopesOf: (key) => view.scopesOf(key),
      limits,
      sink: eventSink,
      metrics,
      logger,
      countryHeader: config.gatewayCountryHeader,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
    });
    closers.push(() => proxy.close());

    const app = await startHttpApp(
      GatewayModule.register({
        checks: [eventLogCheck(eventLog)],
        metrics,
        ingestion: { sink: eventSink, verifier: view },
      }),
      {
        name: 'gateway',
        host: config.host,
        port: options.port ?? config.ports.gateway,
        logger: infra.logger,
        docs: { title: 'keymeter gateway', description: 'Authenticating reverse proxy and event ingestion' },
        frontHandler: (appHandler) => gatewayFrontHandler(appHandler, proxy.handle),
      },
    );
    return {
      ...app,
      close: async (): Promise<void> => {
        // Stop accepting first; then flush events and release the rest.
        await app.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openLimitStore(
  infra: Infrastructure,
  metrics: GatewayMetrics,
  logger: Infrastructure['logger'],
): Promise<LimitStore> {
  const store = infra.config.rateLimitStore;
  if (store.adapter === 'in-process') return new InProcessLimitStore();
  let lastLogged = 0;
  return RedisLimitStore.open({
    url: store.url,
    onFailure: (error) => {
      metrics.recordLimitStoreFailure();
      const now = Date.now();
      if (now - lastLogged < FAILURE_LOG_INTERVAL_MS) return;
      lastLogged = now;
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'rate-limit store (Redis) unreachable: calls are let through without limits until it returns',
      );
    },
  });
}
