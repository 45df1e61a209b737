import { InProcessLimitStore } from '../limits/in-process-limit-store';
import type { LimitDecisionCounts } from '../limits/limit-store';
import { GatewayMetrics } from './gateway-metrics';

const sources = { sink: () => undefined, registrySize: () => 2, registryLag: () => 0 };

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

describe('GatewayMetrics', () => {
  it('exports calls by outcome and their latencies as Prometheus counters and cumulative buckets', async () => {
    const metrics = new GatewayMetrics(sources, { defaultMetrics: false });
    metrics.recordCall('rejected_auth', 0.2);
    metrics.recordCall('forwarded', 0.5); // on the 0.0005 s bound: counted in it
    metrics.recordCall('forwarded', 3);
    metrics.recordCall('forwarded', 60_000); // past every bound: +Inf only
    metrics.recordEventEmitted();
    metrics.recordEventEmitted();

    const text = await metrics.render();
    // Outcomes in the order first seen, as prom-client lists label sets.
    expect(lines(text, 'keymeter_gateway_requests_total{')).toEqual([
      'keymeter_gateway_requests_total{outcome="rejected_auth"} 1',
      'keymeter_gateway_requests_total{outcome="forwarded"} 3',
    ]);
    const forwarded = lines(text, 'keymeter_gateway_request_duration_seconds').filter((line) =>
      line.includes('outcome="forwarded"'),
    );
    expect(forwarded.slice(0, 4)).toEqual([
      'keymeter_gateway_request_duration_seconds_bucket{le="0.0005",outcome="forwarded"} 1',
      'keymeter_gateway_request_duration_seconds_bucket{le="0.001",outcome="forwarded"} 1',
      'keymeter_gateway_request_duration_seconds_bucket{le="0.0025",outcome="forwarded"} 1',
      'keymeter_gateway_request_duration_seconds_bucket{le="0.005",outcome="forwarded"} 2',
    ]);
    expect(forwarded.slice(-4)).toEqual([
      'keymeter_gateway_request_duration_seconds_bucket{le="30",outcome="forwarded"} 2',
      'keymeter_gateway_request_duration_seconds_bucket{le="+Inf",outcome="forwarded"} 3',
      'keymeter_gateway_request_duration_seconds_sum{outcome="forwarded"} 60.0035',
      'keymeter_gateway_request_duration_seconds_count{outcome="forwarded"} 3',
    ]);
    expect(text).toContain('keymeter_gateway_events_emitted_total 2');

    // Counts keep adding up across scrapes.
    metrics.recordCall('forwarded', 1);
    metrics.recordEventEmitted();
    const again = await metrics.render();
    expect(again).toContain('keymeter_gateway_requests_total{outcome="forwarded"} 4');
    expect(again).toContain('keymeter_gateway_request_duration_seconds_count{outcome="forwarded"} 4');
    expect(again).toContain('keymeter_gateway_events_emitted_total 3');
  });

  it("exports the limit store's decisions by source, adding up across scrapes", async () => {
    const store = new InProcessLimitStore(() => 1_000);
    let counts: LimitDecisionCounts | undefined;
    const metrics = new GatewayMetrics(
      { ...sources, limitDecisions: () => counts },
      { defaultMetrics: false },
    );
    // No store open yet: no series.
    expect(lines(await metrics.render(), 'keymeter_gateway_limit_decisions_total{')).toEqual([]);

    counts = store.decisions();
    const request = {
      keyId: 'key_metrics',
      nowMs: 1_000,
      rateLimit: { rate: 1, burst: 2 },
      requestsPerDay: null,
      creditsPerMonth: null,
    };
    store.admitNow(request);
    await store.admit(request);
    store.admitNow(request); // refused (bucket empty): still a decision
    counts = store.decisions();
    expect(lines(await metrics.render(), 'keymeter_gateway_limit_decisions_total{')).toEqual([
      'keymeter_gateway_limit_decisions_total{source="in_process"} 3',
    ]);

    // A Redis store's counts: leases and script runs, totals since it opened.
    counts = { inProcess: 3, lease: 40, redis: 2 };
    expect(lines(await metrics.render(), 'keymeter_gateway_limit_decisions_total{')).toEqual([
      'keymeter_gateway_limit_decisions_total{source="in_process"} 3',
      'keymeter_gateway_limit_decisions_total{source="lease"} 40',
      'keymeter_gateway_limit_decisions_total{source="redis"} 2',
    ]);
    counts = { inProcess: 3, lease: 45, redis: 2 };
    expect(await metrics.render()).toContain('keymeter_gateway_limit_decisions_total{source="lease"} 45');
    await store.close();
  });
});
