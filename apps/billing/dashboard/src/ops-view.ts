import { Api, ApiFailure } from './api';
import { addDecimals, groupDigits } from './decimal';
import { h, replace, table } from './dom';
import { showError } from './portal-view';
import type { Alert, Invoice, PipelineHealth, ReconciliationReport, UsageReport } from './types';
import { shortDateTime } from './time';

const TOKEN_STORAGE = 'keymeter.adminToken';
const INVOICE_STATUSES = ['draft', 'finalized', 'void'] as const;

function currentPeriod(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/** Sums of decimal strings per key, exactly. */
function sumBy<T>(
  items: readonly T[],
  key: (item: T) => string,
  value: (item: T) => string,
): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), value(item)]);
  return new Map([...groups].map(([name, values]) => [name, addDecimals(values)]));
}

/** Hands a text to the browser as a file download. */
function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: filename, style: 'display:none' });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function signIn(root: HTMLElement, message?: string): void {
  root.dataset.state = 'signin';
  const input = h('input', {
    type: 'password',
    autocomplete: 'off',
    placeholder: 'km_admin_…',
    'data-testid': 'admin-token',
    'aria-label': 'Admin token',
  });
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: (event: Event) => {
        event.preventDefault();
        if (input.value.trim() === '') return;
        sessionStorage.setItem(TOKEN_STORAGE, input.value.trim());
        void mountOps(root);
      },
    },
    h('h1', {}, 'Finance and operations'),
    h(
      'p',
      {},
      'Enter an admin token. It is kept in this tab only (sessionStorage) and sent as a bearer header.',
    ),
    message
      ? h('p', { class: 'error-inline', role: 'alert', 'data-testid': 'error-message' }, message)
      : null,
    input,
    h('button', { type: 'submit', 'data-testid': 'sign-in' }, 'Open'),
  );
  replace(root, form);
  input.focus();
}

/** The finance and operations view, read and acted on with an admin token. */
export async function mountOps(root: HTMLElement): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_STORAGE);
  if (!token) {
    signIn(root);
    return;
  }
  const api = new Api(token);
  let period = currentPeriod(new Date());
  const periodInput = h('input', {
    type: 'month',
    value: period,
    'data-testid': 'period',
    'aria-label': 'Period',
  });
  const report = h('div', { 'data-testid': 'report' });
  const invoices = h('div', { 'data-testid': 'invoices' });
  const alerts = h('div', { 'data-testid': 'alerts' });
  const pipeline = h('div', { 'data-testid': 'pipeline' });
  const portal = h('div');
  const status = h('p', { class: 'note', role: 'status', 'data-testid': 'status' });
  replace(
    root,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'Finance and operations'),
      h(
        'div',
        { class: 'controls' },
        periodInput,
        h(
          'button',
          { type: 'button', 'data-testid': 'download-csv', onclick: () => void downloadCsv() },
          'Download CSV',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              sessionStorage.removeItem(TOKEN_STORAGE);
              signIn(root);
            },
          },
          'Sign out',
        ),
      ),
    ),
    status,
    h('section', {}, h('h2', {}, 'Usage and revenue'), report),
    h('section', {}, h('h2', {}, 'Invoices'), invoices),
    h(
      'div',
      { class: 'grid-2' },
      h('section', {}, h('h2', {}, 'Open alerts'), alerts),
      h('section', {}, h('h2', {}, 'Pipeline health'), pipeline),
    ),
    h('section', {}, h('h2', {}, 'Portal link for a customer'), portal),
  );

  const say = (text: string): void => {
    status.textContent = text;
  };

  const act = async (label: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
      say(`${label}: done`);
      await load();
    } catch (error) {
      say(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const downloadCsv = async (): Promise<void> => {
    try {
      download(
        `usage-${period}.csv`,
        await api.text('/v1/reports/usage', { period, format: 'csv' }),
        'text/csv',
      );
      say(`usage-${period}.csv downloaded`);
    } catch (error) {
      say(`CSV: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const renderReport = (data: UsageReport): void => {
    const names = new Map(data.rows.map((row) => [row.customerId, row.customerName]));
    const perCustomer = sumBy(
      data.rows,
      (row) => `${row.customerId} ${row.currency}`,
      (row) => row.amount,
    );
    const perCurrency = sumBy(
      data.rows,
      (row) => row.currency,
      (row) => row.amount,
    );
    replace(
      report,
      h(
        'div',
        { class: 'cards' },
        [...perCurrency].map(([currency, total]) =>
          h(
            'div',
            { class: 'card' },
            h('div', { class: 'card-label' }, `Total ${currency}`),
            h(
              'div',
              { class: 'card-value', 'data-testid': `report-total-${currency}`, 'data-value': total },
              groupDigits(total),
            ),
          ),
        ),
      ),
      table(
        'report-table',
        ['Customer', 'Currency', 'Amount'],
        [...perCustomer].map(([key, amount]) => {
          const [customerId, currency] = key.split(' ');
          return [
            names.get(customerId) ?? customerId,
            currency,
            h('span', { 'data-customer': customerId, 'data-value': amount }, groupDigits(amount)),
          ];
        }),
        `No invoices for ${data.period}: run the invoices of the period first.`,
      ),
      data.revenue.length === 0
        ? null
        : table(
            'revenue-table',
            ['Currency', 'Plan', 'Invoices', 'Fixed fees', 'Usage', 'Commitment', 'Adjustments', 'Total'],
            data.revenue.map((row) => [
              row.currency,
              row.planName || '—',
              String(row.invoices),
              groupDigits(row.fixedFees),
              groupDigits(row.usage),
              groupDigits(row.commitmentTrueUps),
              groupDigits(row.adjustments),
              groupDigits(row.total),
            ]),
            '',
          ),
    );
    return;
  };

  const renderInvoices = (list: readonly Invoice[], names: Map<string, string>): void => {
    const counts = INVOICE_STATUSES.map((state) =>
      h(
        'span',
        { class: `badge badge-${state}`, 'data-testid': `count-${state}` },
        `${state}: ${list.filter((invoice) => invoice.status === state).length}`,
      ),
    );
    replace(
      invoices,
      h('div', { class: 'chips' }, counts),
      table(
        'invoices-table',
        ['Customer', 'Status', 'Total', 'Computed', ''],
        [...list]
          .sort(
            (a, b) =>
              INVOICE_STATUSES.indexOf(a.status as 'draft') - INVOICE_STATUSES.indexOf(b.status as 'draft'),
          )
          .map((invoice) => [
            names.get(invoice.customerId) ?? invoice.customerId,
            h('span', { class: `badge badge-${invoice.status}` }, invoice.status),
            `${groupDigits(invoice.total)} ${invoice.currency}`,
            shortDateTime(invoice.computedAt),
            invoice.status === 'draft'
              ? h(
                  'button',
                  {
                    type: 'button',
                    'data-testid': `finalize-${invoice.id}`,
                    onclick: () =>
                      void act('Finalize', () => api.post(`/v1/invoices/${invoice.id}/finalize`)),
                  },
                  'Finalize',
                )
              : null,
          ]),
        `No invoices for ${period}.`,
      ),
    );
  };

  const renderAlerts = (list: readonly Alert[] | undefined): void => {
    if (list === undefined) {
      replace(
        alerts,
        h(
          'p',
          { class: 'empty', 'data-testid': 'alerts-unavailable' },
          'Alerts are not available on this server yet.',
        ),
      );
      return;
    }
    const open = list.filter(
      (alert) => alert.status === undefined || alert.status === 'open' || alert.status === 'acknowledged',
    );
    replace(
      alerts,
      table(
        'alerts-table',
        ['Alert', 'Key', 'Severity', 'Status', 'Since', ''],
        open.map((alert) => [
          h('span', { title: alert.summary ?? '' }, alert.kind ?? '—'),
          h('code', {}, alert.keyId ?? '—'),
          h('span', { class: `badge badge-${alert.severity ?? 'info'}` }, alert.severity ?? '—'),
          h('span', { 'data-testid': `alert-status-${alert.id}` }, alert.status ?? '—'),
          shortDateTime(alert.openedAt ?? alert.createdAt),
          h(
            'span',
            { class: 'actions' },
            alert.status === 'open'
              ? h(
                  'button',
                  {
                    type: 'button',
                    'data-testid': `ack-${alert.id}`,
                    onclick: () => void act('Acknowledge', () => api.post(`/v1/alerts/${alert.id}/ack`)),
                  },
                  'Ack',
                )
              : null,
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-testid': `resolve-${alert.id}`,
                onclick: () => void act('Resolve', () => api.post(`/v1/alerts/${alert.id}/resolve`)),
              },
              'Resolve',
            ),
          ),
        ]),
        'No open alerts.',
      ),
    );
  };

  const reconcileBox = h('div', { 'data-testid': 'reconciliation' });
  const reconcileLastDay = async (): Promise<void> => {
    replace(reconcileBox, h('p', { class: 'note' }, 'Reconciling the last 24 hours…'));
    const to = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const from = new Date(to.getTime() - 24 * 3_600_000);
    try {
      const result = await api.get<ReconciliationReport>('/v1/reconciliation', {
        from: from.toISOString(),
        to: to.toISOString(),
        lateWindowHours: '1',
      });
      replace(
        reconcileBox,
        h(
          'p',
          { 'data-testid': 'reconciliation-result', 'data-clean': String(result.clean) },
          h(
            'span',
            { class: `badge badge-${result.clean ? 'ok' : 'critical'}` },
            result.clean ? 'clean' : 'differences',
          ),
          ` log ${result.log.eventsInRange} events, ClickHouse ${result.clickhouse.distinctIds} ids; missing ${result.missing.count}, duplicates ${result.duplicates.count}, unknown to log ${result.unknownToLog.count}`,
        ),
      );
    } catch (error) {
      replace(
        reconcileBox,
        h('p', { class: 'error-inline' }, error instanceof Error ? error.message : String(error)),
      );
    }
  };

  const renderPipeline = (health: PipelineHealth | undefined): void => {
    if (health === undefined) {
      replace(
        pipeline,
        h('p', { class: 'empty' }, 'Pipeline health is not available on this server.'),
        reconcileBox,
      );
      return;
    }
    replace(
      pipeline,
      h(
        'div',
        { class: 'cards' },
        h(
          'div',
          { class: 'card' },
          h('div', { class: 'card-label' }, 'Consumer lag'),
          h('div', { class: 'card-value', 'data-testid': 'consumer-lag' }, String(health.consumerLag)),
        ),
        h(
          'div',
          { class: 'card' },
          h('div', { class: 'card-label' }, 'Dead-letter events'),
          h('div', { class: 'card-value', 'data-testid': 'dlq-events' }, String(health.deadLetter.events)),
        ),
        h(
          'div',
          { class: 'card' },
          h('div', { class: 'card-label' }, 'Event log'),
          h(
            'div',
            { class: 'card-value small' },
            `${health.eventLog.adapter} ${health.eventLog.up ? 'up' : 'down'}`,
          ),
        ),
      ),
      h(
        'p',
        { class: 'note' },
        `${health.usageTopic} → group ${health.consumerGroup}; dead letters in ${health.deadLetter.topic}`,
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'data-testid': 'reconcile',
          onclick: () => void reconcileLastDay(),
        },
        'Reconcile last 24 h',
      ),
      reconcileBox,
    );
  };

  const customerInput = h('input', {
    type: 'text',
    placeholder: 'customer id',
    'data-testid': 'portal-customer',
    'aria-label': 'Customer id',
  });
  const portalResult = h('p', { class: 'note', 'data-testid': 'portal-result' });
  replace(
    portal,
    h(
      'form',
      {
        class: 'inline-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          api
            .post<{ url: string; expiresAt: string }>(
              `/v1/customers/${encodeURIComponent(customerInput.value.trim())}/portal-links`,
              {},
            )
            .then((link) =>
              replace(
                portalResult,
                'Valid until ',
                shortDateTime(link.expiresAt),
                ': ',
                h('a', { href: link.url, target: '_blank', rel: 'noreferrer' }, 'open the customer view'),
              ),
            )
            .catch((error: unknown) =>
              replace(portalResult, error instanceof Error ? error.message : String(error)),
            );
        },
      },
      customerInput,
      h('button', { type: 'submit' }, 'Mint a 1-hour link'),
    ),
    portalResult,
  );

  const optional = async <T>(work: Promise<T>): Promise<T | undefined> => {
    try {
      return await work;
    } catch (error) {
      if (error instanceof ApiFailure && (error.status === 404 || error.status === 503)) return undefined;
      throw error;
    }
  };

  const load = async (): Promise<void> => {
    root.dataset.state = 'loading';
    const [reportData, invoiceList, alertList, health] = await Promise.all([
      api.get<UsageReport>('/v1/reports/usage', { period }),
      api.get<Invoice[]>('/v1/invoices', { period }),
      optional(
        Promise.all([
          api.get<Alert[]>('/v1/alerts', { status: 'open' }),
          api.get<Alert[]>('/v1/alerts', { status: 'acknowledged' }),
        ]).then(([open, acknowledged]) => [...open, ...acknowledged]),
      ),
      optional(api.get<PipelineHealth>('/v1/pipeline')),
    ]);
    renderReport(reportData);
    renderInvoices(invoiceList, new Map(reportData.rows.map((row) => [row.customerId, row.customerName])));
    renderAlerts(alertList);
    renderPipeline(health);
    root.dataset.state = 'ready';
  };

  periodInput.addEventListener('change', () => {
    if (/^\d{4}-\d{2}$/.test(periodInput.value)) {
      period = periodInput.value;
      load().catch(fail);
    }
  });

  const fail = (error: unknown): void => {
    if (error instanceof ApiFailure && error.status === 401) {
      sessionStorage.removeItem(TOKEN_STORAGE);
      signIn(root, `${error.message}.`);
      return;
    }
    showError(root, 'Something went wrong', error instanceof Error ? error.message : String(error));
  };
  await load().catch(fail);
}
