import { Api, ApiFailure } from './api';
import { describeBytes, groupDigits } from './decimal';
import { h, replace, select, table } from './dom';
import type { Alert, ApiKey, Invoice, MeterValues, UpcomingInvoice, UsageSeries } from './types';
import {
  GRANULARITIES,
  granularityFits,
  RANGE_PRESETS,
  rangeOf,
  shortDateTime,
  timeZoneChoices,
  wallClock,
  type Granularity,
  type Range,
  type RangePreset,
} from './time';
import { UsageChart, type Meter } from './usage-chart';

const TOKEN_STORAGE = 'keymeter.portalToken';
const METERS: readonly (readonly [Meter, string])[] = [
  ['requests', 'Requests'],
  ['credits', 'Credits'],
  ['egress_bytes', 'Egress bytes'],
];

interface Settings {
  preset: RangePreset;
  granularity: Granularity;
  timeZone: string;
  meter: Meter;
}

/**
 * The token arrives in the URL fragment (never sent to the server); it moves to sessionStorage and leaves
 * the address bar, so it does not linger in history, screenshots or a copied URL.
 */
function takeToken(): string | undefined {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromFragment = fragment.get('token');
  if (fromFragment) {
    sessionStorage.setItem(TOKEN_STORAGE, fromFragment);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromFragment;
  }
  return sessionStorage.getItem(TOKEN_STORAGE) ?? undefined;
}

function totalsCards(totals: MeterValues): HTMLElement {
  return h(
    'div',
    { class: 'cards' },
    METERS.map(([meter, label]) =>
      h(
        'div',
        { class: 'card' },
        h('div', { class: 'card-label' }, label),
        h(
          'div',
          { class: 'card-value', 'data-testid': `total-${meter}`, 'data-value': totals[meter] },
          groupDigits(totals[meter]),
        ),
        meter === 'egress_bytes' ? h('div', { class: 'card-note' }, describeBytes(totals[meter])) : null,
      ),
    ),
  );
}

function breakdownTable(
  testId: string,
  label: string,
  series: UsageSeries,
  name: (line: UsageSeries['series'][number]) => string,
): HTMLElement {
  const lines = [...series.series].sort(
    (a, b) =>
      Number(b.totals.credits) - Number(a.totals.credits) ||
      Number(b.totals.requests) - Number(a.totals.requests),
  );
  return table(
    testId,
    [label, 'Requests', 'Credits', 'Egress'],
    lines.map((line) => [
      name(line),
      groupDigits(line.totals.requests),
      groupDigits(line.totals.credits),
      describeBytes(line.totals.egress_bytes),
    ]),
    'No usage in this range.',
  );
}

function keysTable(keys: readonly ApiKey[]): HTMLElement {
  return table(
    'keys-table',
    ['Key', 'Prefix', 'Status', 'Last used', 'Rate limit', 'Quotas'],
    keys.map((key) => [
      key.name,
      h('code', {}, key.prefix),
      h('span', { class: `badge badge-${key.status}` }, key.status),
      shortDateTime(key.lastUsedAt),
      key.rateLimit ? `${key.rateLimit.rate}/s, burst ${key.rateLimit.burst}` : '—',
      [
        key.quotas.requestsPerDay === null
          ? null
          : `${groupDigits(String(key.quotas.requestsPerDay))} req/day`,
        key.quotas.creditsPerMonth === null
          ? null
          : `${groupDigits(key.quotas.creditsPerMonth)} credits/month`,
      ]
        .filter((text) => text !== null)
        .join(', ') || '—',
    ]),
    'No keys.',
  );
}

function invoicesTable(invoices: readonly Invoice[]): HTMLElement {
  return table(
    'invoices-table',
    ['Period', 'Status', 'Total', 'Finalized'],
    invoices.map((invoice) => [
      invoice.period,
      h('span', { class: `badge badge-${invoice.status}` }, invoice.status),
      `${groupDigits(invoice.total)} ${invoice.currency}`,
      shortDateTime(invoice.finalizedAt),
    ]),
    'No invoices yet.',
  );
}

function alertsPanel(alerts: readonly Alert[] | undefined, keys: readonly ApiKey[]): HTMLElement {
  if (alerts === undefined) {
    return h(
      'p',
      { class: 'empty', 'data-testid': 'alerts-unavailable' },
      'Alerts are not available on this server yet.',
    );
  }
  const keyName = new Map(keys.map((key) => [key.id, `${key.name} (${key.prefix})`]));
  return table(
    'alerts-table',
    ['Key', 'Alert', 'Severity', 'Status', 'Since'],
    alerts.map((alert) => [
      alert.keyId ? (keyName.get(alert.keyId) ?? alert.keyId) : '—',
      h('span', { title: alert.summary ?? '' }, alert.kind ?? '—'),
      h('span', { class: `badge badge-${alert.severity ?? 'info'}` }, alert.severity ?? '—'),
      alert.status ?? '—',
      shortDateTime(alert.openedAt ?? alert.createdAt),
    ]),
    'No alerts on your keys.',
  );
}

async function optional<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ApiFailure && (error.status === 404 || error.status === 501)) return undefined;
    throw error;
  }
}

export function showError(root: HTMLElement, title: string, message: string): void {
  root.dataset.state = 'error';
  replace(
    root,
    h(
      'div',
      { class: 'error-box', role: 'alert', 'data-testid': 'error' },
      h('h2', {}, title),
      h('p', { 'data-testid': 'error-message' }, message),
    ),
  );
}

/** The customer view: their usage, keys, invoices and alerts, read with a portal token. */
export async function mountPortal(root: HTMLElement): Promise<void> {
  const token = takeToken();
  if (!token) {
    showError(
      root,
      'No portal link',
      'Open the dashboard with the portal link you were given; it carries your access token.',
    );
    return;
  }
  const api = new Api(token);
  const settings: Settings = {
    preset: 'period',
    granularity: 'day',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    meter: 'requests',
  };
  let upcoming: UpcomingInvoice | undefined;
  let period: Range | undefined;
  let keys: readonly ApiKey[] = [];
  let invoiceList: readonly Invoice[] = [];
  let alertList: readonly Alert[] | undefined;
  try {
    // What does not depend on the pickers is read once, together.
    [upcoming, keys, invoiceList, alertList] = await Promise.all([
      optional(api.get<UpcomingInvoice>('/v1/me/invoices/upcoming')),
      api.get<ApiKey[]>('/v1/me/keys'),
      api.get<Invoice[]>('/v1/me/invoices'),
      optional(api.get<Alert[]>('/v1/me/alerts')),
    ]);
  } catch (error) {
    handleFailure(root, error);
    return;
  }
  if (upcoming) period = { from: upcoming.periodStart, to: upcoming.periodEnd };

  const controls = h('div', { class: 'controls' });
  const cards = h('div', { 'data-testid': 'totals' });
  const chartBox = h('div', { class: 'chart', 'data-testid': 'usage-chart' });
  const rangeNote = h('p', { class: 'note', 'data-testid': 'range-note' });
  const byKey = h('div');
  const byRoute = h('div');
  const current = h('div', { 'data-testid': 'current-period' });
  const invoices = h('div', {}, invoicesTable(invoiceList));
  const keysBox = h('div', {}, keysTable(keys));
  const alerts = h('div', { 'data-testid': 'alerts-panel' }, alertsPanel(alertList, keys));
  replace(
    root,
    h('header', { class: 'top' }, h('h1', {}, 'Usage'), controls),
    h('section', {}, cards, chartBox, rangeNote),
    h(
      'div',
      { class: 'grid-2' },
      h('section', {}, h('h2', {}, 'Current period'), current),
      h('section', {}, h('h2', {}, 'Alerts on your keys'), alerts),
    ),
    h(
      'div',
      { class: 'grid-2' },
      h('section', {}, h('h2', {}, 'By key'), byKey),
      h('section', {}, h('h2', {}, 'By route'), byRoute),
    ),
    h('section', {}, h('h2', {}, 'Your keys'), keysBox),
    h('section', {}, h('h2', {}, 'Invoices'), invoices),
  );
  const chart = new UsageChart(chartBox);
  const keyNames = new Map(keys.map((key) => [key.id, `${key.name} (${key.prefix})`]));
  let lastSeries: UsageSeries | undefined;
  let generation = 0;

  const renderChart = (): void => {
    if (!lastSeries) return;
    const points = lastSeries.series[0]?.points ?? [];
    chart.render(
      settings.meter,
      points.map((point) => ({ start: point.start, value: point[settings.meter] })),
      lastSeries.timeZone,
    );
    chartBox.dataset.firstBucket = points[0]
      ? wallClock(points[0].start, lastSeries.timeZone, settings.granularity)
      : '';
  };

  const renderControls = (): void => {
    const range = rangeOf(settings.preset, new Date(), period);
    const granularities = GRANULARITIES.map(
      (g) => [g, granularityFits(g, range) ? g : `${g} (range too long)`] as const,
    );
    const granularity = select(
      {
        'data-testid': 'granularity',
        'aria-label': 'Granularity',
        onchange: (event: Event) =>
          update({ granularity: (event.target as HTMLSelectElement).value as Granularity }),
      },
      granularities,
      settings.granularity,
    );
    for (const option of Array.from(granularity.options))
      option.disabled = !granularityFits(option.value as Granularity, range);
    replace(
      controls,
      select(
        {
          'data-testid': 'range',
          'aria-label': 'Range',
          onchange: (event: Event) =>
            update({ preset: (event.target as HTMLSelectElement).value as RangePreset }),
        },
        RANGE_PRESETS.filter(([preset]) => preset !== 'period' || period !== undefined),
        settings.preset,
      ),
      granularity,
      select(
        {
          'data-testid': 'timezone',
          'aria-label': 'Time zone',
          onchange: (event: Event) => update({ timeZone: (event.target as HTMLSelectElement).value }),
        },
        timeZoneChoices().map((zone) => [zone, zone] as const),
        settings.timeZone,
      ),
      select(
        {
          'data-testid': 'meter',
          'aria-label': 'Meter',
          onchange: (event: Event) => update({ meter: (event.target as HTMLSelectElement).value as Meter }),
        },
        METERS,
        settings.meter,
      ),
    );
  };

  const load = async (): Promise<void> => {
    const mine = ++generation;
    root.dataset.state = 'loading';
    const range = rangeOf(settings.preset, new Date(), period);
    if (!granularityFits(settings.granularity, range)) settings.granularity = 'day';
    renderControls();
    const base = { from: range.from, to: range.to, tz: settings.timeZone };
    // One bucket per month is enough for the breakdowns: their totals are what is shown.
    const [series, perKey, perRoute] = await Promise.all([
      api.get<UsageSeries>('/v1/me/usage', { ...base, granularity: settings.granularity }),
      api.get<UsageSeries>('/v1/me/usage', { ...base, granularity: 'month', groupBy: 'key' }),
      api.get<UsageSeries>('/v1/me/usage', { ...base, granularity: 'month', groupBy: 'route' }),
    ]);
    if (mine !== generation) return;
    lastSeries = series;
    replace(cards, totalsCards(series.totals));
    rangeNote.textContent = `${wallClock(series.from, series.timeZone, 'minute')} to ${wallClock(series.to, series.timeZone, 'minute')} (${series.timeZone}), ${series.series[0]?.points.length ?? 0} ${settings.granularity} buckets`;
    renderChart();
    replace(
      byKey,
      breakdownTable(
        'by-key-table',
        'Key',
        perKey,
        (line) => keyNames.get(line.group.keyId ?? '') ?? line.group.keyId ?? '—',
      ),
    );
    replace(
      byRoute,
      breakdownTable('by-route-table', 'Route', perRoute, (line) => line.group.route ?? '—'),
    );
    replace(
      current,
      upcoming
        ? h(
            'div',
            {},
            h('div', { class: 'card-label' }, `${upcoming.period} so far`),
            h(
              'div',
              { class: 'card-value', 'data-testid': 'running-total', 'data-value': upcoming.total },
              `${groupDigits(upcoming.total)} ${upcoming.currency}`,
            ),
          )
        : h('p', { class: 'empty' }, 'No subscription: nothing is being billed.'),
    );
    // The range and settings the numbers on screen answer, for whoever checks them against the API.
    root.dataset.from = series.from;
    root.dataset.to = series.to;
    root.dataset.state = 'ready';
    root.dataset.granularity = settings.granularity;
    root.dataset.timezone = series.timeZone;
  };

  const update = (change: Partial<Settings>): void => {
    const reload = change.meter === undefined || Object.keys(change).length > 1;
    Object.assign(settings, change);
    if (!reload) {
      renderControls();
      renderChart();
      return;
    }
    load().catch((error: unknown) => handleFailure(root, error));
  };

  await load().catch((error: unknown) => handleFailure(root, error));
}

function handleFailure(root: HTMLElement, error: unknown): void {
  if (error instanceof ApiFailure && error.status === 401) {
    sessionStorage.removeItem(TOKEN_STORAGE);
    showError(
      root,
      'This portal link does not work',
      `${error.message}. Ask your account manager for a new link.`,
    );
    return;
  }
  showError(root, 'Something went wrong', error instanceof Error ? error.message : String(error));
}
