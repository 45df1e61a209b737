import { demoCurlCommands, renderDemoSummary, type DemoSummary } from './demo-summary';
import { emptyTally } from './traffic-tally';

const summary: DemoSummary = {
  gatewayUrl: 'http://127.0.0.1:8080',
  billingUrl: 'http://127.0.0.1:8082',
  upstreamUrl: 'http://127.0.0.1:40001',
  adminToken: 'km_admin_x',
  account: {
    customer: { id: 'c-1', name: 'Northwind Trading', timezone: 'America/New_York', currency: 'USD' },
    plan: { id: 'p-1', name: 'Market data Pro' },
    steadyKey: { id: 'k-1', name: 'trading-dashboard', key: 'km_live_steady' },
    misbehavingKey: { id: 'k-2', name: 'nightly-batch', key: 'km_live_batch' },
  },
  tally: {
    ...emptyTally(),
    calls: 1300,
    forwarded: 1200,
    credits: 45_300,
    rateLimited: 90,
    outOfScope: 4,
    fromNewNetwork: 3,
  },
  durationSeconds: 30,
  newNetworkAddress: '127.0.0.2',
  counted: { requests: '1200', credits: '45300' },
  period: { from: '2026-11-01T04:00:00.000Z', to: '2026-12-01T05:00:00.000Z' },
  portalUrl: undefined,
  dashboardUrl: 'http://127.0.0.1:8082/dashboard',
  financeViewUrl: undefined,
};

describe('the demo summary', () => {
  it('gives three commands with the real ports and the customer key', () => {
    expect(demoCurlCommands(summary).map((c) => c.command)).toEqual([
      `curl -s 'http://127.0.0.1:8080/v1/quotes/AAPL' -H 'X-API-Key: km_live_steady'`,
      `curl -s 'http://127.0.0.1:8082/v1/me/usage?from=2026-11-01T04:00:00.000Z&to=2026-12-01T05:00:00.000Z&granularity=month&groupBy=key&tz=America/New_York' -H 'X-API-Key: km_live_steady'`,
      `curl -s 'http://127.0.0.1:8082/v1/me/invoices/upcoming' -H 'X-API-Key: km_live_steady'`,
    ]);
  });

  it('prints the traffic, the token, the key and the dashboard; portal and finance lines only when served', () => {
    const text = renderDemoSummary(summary);
    expect(text).toContain(
      'traffic       1,300 calls in 30 s: 1,200 forwarded (45,300 credits), 90 rate-limited, 4 out of scope, 3 from a new network (127.0.0.2)',
    );
    expect(text).toContain('usage         1200 requests, 45300 credits');
    expect(text).toContain('admin token   km_admin_x');
    expect(text).toContain('customer key  km_live_steady');
    expect(text).toContain('dashboard     http://127.0.0.1:8082/dashboard');
    expect(text).not.toContain('portal link');
    expect(text).not.toContain('finance view');
    const withDashboard = renderDemoSummary({
      ...summary,
      portalUrl: 'http://127.0.0.1:8082/dashboard/portal#token=km_portal_x',
      financeViewUrl: 'http://127.0.0.1:8082/dashboard/ops',
    });
    expect(withDashboard).toContain('portal link   http://127.0.0.1:8082/dashboard/portal#token=km_portal_x');
    expect(withDashboard).toContain('finance view  http://127.0.0.1:8082/dashboard/ops');
  });

  it('never echoes a configured ADMIN_TOKEN, and says when usage has not caught up', () => {
    const text = renderDemoSummary({ ...summary, adminToken: undefined, counted: undefined });
    expect(text).toContain('admin token   the value of ADMIN_TOKEN');
    expect(text).toContain('not all counted yet');
  });
});
