import type { DemoAccount } from './demo-account';
import type { TrafficTally } from './traffic-tally';

export interface DemoSummary {
  readonly gatewayUrl: string;
  readonly billingUrl: string;
  readonly upstreamUrl: string;
  /** The admin token when this run generated it; undefined when it comes from ADMIN_TOKEN. */
  readonly adminToken: string | undefined;
  readonly account: DemoAccount;
  readonly tally: TrafficTally;
  readonly durationSeconds: number;
  /** Source address of the misbehaving key's calls from a new network, if they could be made. */
  readonly newNetworkAddress: string | undefined;
  /** What usage reported once the ingestor caught up (undefined: it had not within the wait). */
  readonly counted: { readonly requests: string; readonly credits: string } | undefined;
  /** The customer's usage query range: the current billing period. */
  readonly period: { readonly from: string; readonly to: string };
  /** A portal link minted for the demo customer, when the product offers them. */
  readonly portalUrl: string | undefined;
  readonly dashboardUrl: string;
  /** The finance and operations view, when this build serves it. */
  readonly financeViewUrl: string | undefined;
}

const n = (value: number): string => value.toLocaleString('en-US');

/** Shell-quoted for copy and paste (the values here hold no single quote). */
const q = (value: string): string => `'${value}'`;

/** The three commands a newcomer runs first, with the demo customer's key. */
export function demoCurlCommands(summary: DemoSummary): { comment: string; command: string }[] {
  const key = `-H ${q(`X-API-Key: ${summary.account.steadyKey.key}`)}`;
  const tz = summary.account.customer.timezone;
  const usage =
    `${summary.billingUrl}/v1/me/usage?from=${summary.period.from}&to=${summary.period.to}` +
    `&granularity=month&groupBy=key&tz=${tz}`;
  return [
    {
      comment: 'a proxied call: the gateway checks the key, forwards it and meters it',
      command: `curl -s ${q(`${summary.gatewayUrl}/v1/quotes/AAPL`)} ${key}`,
    },
    {
      comment: "the customer's usage this billing period, per key (requests, credits, egress bytes)",
      command: `curl -s ${q(usage)} ${key}`,
    },
    {
      comment: 'the invoice preview: what the current period would cost if it closed now',
      command: `curl -s ${q(`${summary.billingUrl}/v1/me/invoices/upcoming`)} ${key}`,
    },
  ];
}

/** The block the demo prints once its traffic is counted. */
export function renderDemoSummary(summary: DemoSummary): string {
  const { account, tally } = summary;
  const traffic =
    `${n(tally.calls)} calls in ${summary.durationSeconds} s: ${n(tally.forwarded)} forwarded ` +
    `(${n(tally.credits)} credits), ${n(tally.rateLimited)} rate-limited, ${n(tally.outOfScope)} out of scope` +
    (summary.newNetworkAddress === undefined
      ? ''
      : `, ${n(tally.fromNewNetwork)} from a new network (${summary.newNetworkAddress})`) +
    (tally.failed > 0 ? `, ${n(tally.failed)} failed` : '');
  const counted =
    summary.counted === undefined
      ? 'not all counted yet (the ingestor is behind); the usage call below shows the current totals'
      : `${summary.counted.requests} requests, ${summary.counted.credits} credits`;
  const lines = [
    '',
    'keymeter demo is running',
    `  customer      ${account.customer.name} (${account.customer.id}), time zone ${account.customer.timezone}`,
    `  plan          "${account.plan.name}": 49.00 ${account.customer.currency} a month + graduated tiers on requests and credits`,
    `  traffic       ${traffic}`,
    `  usage         ${counted}`,
    `  admin token   ${summary.adminToken ?? 'the value of ADMIN_TOKEN'}`,
    `  customer key  ${account.steadyKey.key}   (${account.steadyKey.name}; "${account.misbehavingKey.name}" is the key that misbehaved)`,
    `  dashboard     ${summary.dashboardUrl}`,
    ...(summary.financeViewUrl === undefined
      ? []
      : [`  finance view  ${summary.financeViewUrl}   (finance and operations; paste the admin token)`]),
    ...(summary.portalUrl === undefined
      ? []
      : [`  portal link   ${summary.portalUrl}   (the customer's own view)`]),
    `  API docs      ${summary.billingUrl}/docs   ${summary.gatewayUrl}/docs`,
    `  upstream      ${summary.upstreamUrl}   (the sample market-data API behind the gateway)`,
    '',
    'Try it:',
    ...demoCurlCommands(summary).flatMap(({ comment, command }) => [`  # ${comment}`, `  ${command}`]),
    '',
    'The demo keeps running: Ctrl-C stops it.',
    '',
  ];
  return lines.join('\n');
}
