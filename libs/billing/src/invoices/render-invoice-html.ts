import type { LineComponent } from '@keymeter/domain';
import type { BilledLine } from './compute-invoice';
import type { InvoiceView } from './invoice-record';

export interface InvoiceParty {
  name: string;
  email: string;
}

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr.breakdown td { color: #555; font-size: 12px; border-bottom: none; padding-top: 0; }
  tfoot td { font-weight: 600; border-top: 2px solid #111; }
  .status { display: inline-block; padding: .1rem .5rem; border: 1px solid #999; border-radius: 4px; text-transform: uppercase; font-size: 12px; }
  .meta { color: #555; }
  @media print { body { margin: 0; } a { color: inherit; } }
`;

/** A self-contained, printable HTML page of an invoice (lines, tier breakdowns, parts, usage cut-off). */
export function renderInvoiceHtml(invoice: InvoiceView, customer: InvoiceParty): string {
  const money = (amount: string): string => `${escapeHtml(amount)} ${escapeHtml(invoice.currency)}`;
  const lineRows = invoice.lines.map((line) => renderLine(line, money)).join('');
  const partRows = invoice.parts
    .map(
      (part) =>
        `<tr><td>${escapeHtml(part.plan.name)}</td><td>${escapeHtml(part.from)}</td><td>${escapeHtml(
          part.to,
        )}</td><td class="num">${escapeHtml(part.timeShare.numerator)}/${escapeHtml(
          part.timeShare.denominator,
        )}</td><td class="num">${escapeHtml(part.quantities.requests)}</td><td class="num">${escapeHtml(
          part.quantities.credits,
        )}</td><td class="num">${escapeHtml(part.quantities.egress_bytes)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice ${escapeHtml(invoice.period)} – ${escapeHtml(
    customer.name,
  )}</title><style>${STYLE}</style></head>
<body>
<h1>Invoice ${escapeHtml(invoice.period)} <span class="status">${escapeHtml(invoice.status)}</span></h1>
<p class="meta">Invoice ${escapeHtml(invoice.id)}<br>
Billed to ${escapeHtml(customer.name)} &lt;${escapeHtml(customer.email)}&gt;<br>
Period ${escapeHtml(invoice.periodStart)} – ${escapeHtml(invoice.periodEnd)} (${escapeHtml(invoice.timezone)})<br>
Usage counted up to ${escapeHtml(invoice.usageCutoff.asOf)}${
    invoice.finalizedAt ? `<br>Finalized ${escapeHtml(invoice.finalizedAt)}` : ''
  }</p>
<table>
<thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Amount</th></tr></thead>
<tbody>${lineRows}</tbody>
<tfoot><tr><td>Total</td><td></td><td class="num">${money(invoice.total)}</td></tr></tfoot>
</table>
<h2>Plans in force</h2>
<table>
<thead><tr><th>Plan</th><th>From</th><th>To</th><th class="num">Share</th><th class="num">Requests</th><th class="num">Credits</th><th class="num">Egress bytes</th></tr></thead>
<tbody>${partRows}</tbody>
</table>
</body></html>
`;
}

function renderLine(line: BilledLine, money: (amount: string) => string): string {
  const quantity = line.kind === 'usage' ? escapeHtml(line.quantity) : '';
  const main = `<tr><td>${escapeHtml(line.description)}${detail(line)}</td><td class="num">${quantity}</td><td class="num">${money(
    line.amount,
  )}</td></tr>`;
  if (line.kind !== 'usage') return main;
  const free =
    line.freeUnitsApplied !== '0'
      ? `<tr class="breakdown"><td>free allowance</td><td class="num">${escapeHtml(line.freeUnitsApplied)}</td><td class="num">0</td></tr>`
      : '';
  return main + free + line.breakdown.map((component) => breakdownRow(component)).join('');
}

function detail(line: BilledLine): string {
  switch (line.kind) {
    case 'fixed_fee':
      return ` <span class="meta">(${escapeHtml(line.fullAmount)} × ${escapeHtml(line.prorationFactor)})</span>`;
    case 'commitment_true_up':
      return ` <span class="meta">(commitment ${escapeHtml(line.proratedCommitment)} − usage ${escapeHtml(
        line.usageTotal,
      )})</span>`;
    default:
      return '';
  }
}

function breakdownRow(component: LineComponent): string {
  const range = `units ${escapeHtml(component.from)}–${escapeHtml(component.to)}`;
  const text =
    component.kind === 'tier'
      ? `tier ${component.tier + 1}, ${range}: ${escapeHtml(component.units)} × ${escapeHtml(component.unitPrice)}${
          component.flatFee !== '0' ? ` + ${escapeHtml(component.flatFee)} flat` : ''
        }`
      : `${range}: ${escapeHtml(component.packages)} block(s) of ${escapeHtml(component.packageSize)} × ${escapeHtml(
          component.packagePrice,
        )}`;
  return `<tr class="breakdown"><td>${text}</td><td class="num">${escapeHtml(component.units)}</td><td class="num">${escapeHtml(
    component.amount,
  )}</td></tr>`;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
