import { periodContaining } from '@keymeter/domain';
import { createProgress, type ReadyContext } from '@keymeter/platform';
import { appUrl } from '../all-apps';
import { createDemoAccount, type DemoAccount } from './demo-account';
import { renderDemoSummary } from './demo-summary';
import { GatewayClient } from './gateway-client';
import { AdminApi, callJson } from './http-json';
import { canUseSourceAddress } from './loopback-alias';
import type { RunningUpstream } from './market-data-upstream';
import { driveTraffic } from './traffic-driver';
import { planDemoTraffic } from './traffic-plan';
import { emptyTally, record, type TrafficTally } from './traffic-tally';
import { eventually } from './wait';

export interface PlayDemoOptions {
  readonly upstream: RunningUpstream;
  readonly durationSeconds: number;
  /** The admin token: generated at this start, or ADMIN_TOKEN. */
  readonly adminToken: () => string | undefined;
}

const NEW_NETWORK_ADDRESS = '127.0.0.2';
const KEY_PROPAGATION_TIMEOUT_MS = 30_000;
const COUNTING_TIMEOUT_MS = 60_000;

const say = (line: string): void => {
  process.stdout.write(`demo: ${line}\n`);
};

/** Waits until the gateway knows a new key (it arrives through the key registry topic). */
async function waitForKey(
  client: GatewayClient,
  key: string,
  tally: TrafficTally,
  signal: AbortSignal,
): Promise<void> {
  const known = await eventually(
    async () => {
      const answer = await client.call('/v1/quotes/AAPL', key);
      if (answer.status === 401) return undefined;
      record(tally, answer.status, answer.body, false);
      return true;
    },
    KEY_PROPAGATION_TIMEOUT_MS,
    signal,
    200,
  );
  if (known === undefined) throw new Error('demo: the gateway did not learn the new keys within 30 s');
}

interface UsageTotals {
  totals?: { requests?: string; credits?: string };
}

/** The customer's usage of the period as the customer API reports it, once it counts every forwarded call. */
async function waitForCounting(
  billingUrl: string,
  account: DemoAccount,
  period: { from: string; to: string },
  forwarded: number,
  signal: AbortSignal,
): Promise<{ requests: string; credits: string } | undefined> {
  const url =
    `${billingUrl}/v1/me/usage?from=${period.from}&to=${period.to}&granularity=month` +
    `&tz=${account.customer.timezone}`;
  return eventually(
    async () => {
      const answer = await callJson<UsageTotals>(url, { headers: { 'X-API-Key': account.steadyKey.key } });
      const totals = answer.body?.totals;
      if (answer.status !== 200 || totals?.requests !== String(forwarded)) return undefined;
      return { requests: totals.requests, credits: totals.credits ?? '0' };
    },
    COUNTING_TIMEOUT_MS,
    signal,
    500,
  );
}

/** A portal link for the demo customer, when this build offers them (`POST /v1/customers/:id/portal-links`). */
async function mintPortalLink(api: AdminApi, customerId: string): Promise<string | undefined> {
  const answer = await api.call<{ url?: string }>('POST', `/v1/customers/${customerId}/portal-links`, {});
  const url = answer.body?.url;
  if (answer.status < 200 || answer.status >= 300 || typeof url !== 'string') return undefined;
  return url.startsWith('/') ? `${api.billingUrl}${url}` : url;
}

/** A page's URL if the billing app serves it (the dashboard ships with the billing app). */
async function servedPage(url: string): Promise<string | undefined> {
  const response = await fetch(url).catch(() => undefined);
  await response?.arrayBuffer();
  return response?.ok === true ? url : undefined;
}

/**
 * The demo, through the public HTTP API only: sets up a customer, drives the planned traffic through the
 * gateway with a progress bar, waits until usage counts it, and prints what to try next.
 */
export async function playDemo(context: ReadyContext, options: PlayDemoOptions): Promise<void> {
  const { apps, signal } = context;
  const gatewayUrl = appUrl(apps, 'gateway');
  const billingUrl = appUrl(apps, 'billing');
  const adminToken = options.adminToken() ?? context.infra.config.adminToken;
  if (adminToken === undefined) {
    throw new Error(
      'demo: the admin token of this data directory was shown at an earlier start; set ADMIN_TOKEN to it, ' +
        'or remove the directory to start afresh',
    );
  }
  const api = new AdminApi(billingUrl, adminToken);
  const now = new Date();
  say('creating a customer on a tiered plan, with two API keys');
  const account = await createDemoAccount(api, now);
  const client = new GatewayClient(gatewayUrl);
  try {
    const tally = emptyTally();
    await waitForKey(client, account.steadyKey.key, tally, signal);
    await waitForKey(client, account.misbehavingKey.key, tally, signal);
    const newNetwork = await canUseSourceAddress(NEW_NETWORK_ADDRESS);
    const plan = planDemoTraffic({ durationMs: options.durationSeconds * 1000, seed: 2026, newNetwork });
    say(
      `driving ${plan.length} calls through the gateway for ${options.durationSeconds} s ` +
        `("${account.misbehavingKey.name}" misbehaves: a burst, calls outside its scopes` +
        `${newNetwork ? ', calls from a new network' : ''})`,
    );
    await driveTraffic({
      plan,
      client,
      keys: { steady: account.steadyKey.key, misbehaving: account.misbehavingKey.key },
      newNetworkAddress: NEW_NETWORK_ADDRESS,
      tally,
      progress: createProgress('demo traffic', { unit: 'calls' }),
      signal,
    });
    signal.throwIfAborted();
    const billingPeriod = periodContaining(now, account.customer.timezone);
    const period = { from: billingPeriod.start.toISOString(), to: billingPeriod.end.toISOString() };
    say('waiting until the ingestor has counted every forwarded call');
    const counted = await waitForCounting(billingUrl, account, period, tally.forwarded, signal);
    const portalUrl = await mintPortalLink(api, account.customer.id);
    process.stdout.write(
      renderDemoSummary({
        gatewayUrl,
        billingUrl,
        upstreamUrl: options.upstream.url,
        adminToken: options.adminToken(),
        account,
        tally,
        durationSeconds: options.durationSeconds,
        newNetworkAddress: newNetwork ? NEW_NETWORK_ADDRESS : undefined,
        counted,
        period,
        portalUrl,
        dashboardUrl: `${billingUrl}/dashboard`,
        financeViewUrl: await servedPage(`${billingUrl}/dashboard/ops`),
      }),
    );
  } finally {
    client.close();
  }
}
