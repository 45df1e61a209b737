import type { EntityManager } from 'typeorm';
import type { InvoiceEntity } from '@keymeter/database';

/** An invoice's computed columns, as written by a run (a new draft, or a draft recomputed in place). */
export interface InvoiceRowValues {
  customer_id: string;
  period: string;
  period_start: string;
  period_end: string;
  timezone: string;
  currency: string;
  status: 'draft' | 'finalized';
  usage_cutoff: object;
  parts: unknown[];
  lines: unknown[];
  charges_total: string;
  adjustments_total: string;
  total: string;
  computed_at: string;
  finalized_at: string | null;
}

export interface AdjustmentRowValues {
  invoice_id: string;
  source_invoice_id: string;
  currency: string;
  amount: string;
  rederived_charges_total: string;
  usage_cutoff: object;
}

/** The record type of the written columns, for jsonb_to_recordset. */
const INVOICE_RECORD = `customer_id uuid, period text, period_start timestamptz, period_end timestamptz,
  timezone text, currency char(3), status text, usage_cutoff jsonb, parts jsonb, lines jsonb,
  charges_total numeric, adjustments_total numeric, total numeric, computed_at timestamptz,
  finalized_at timestamptz`;
const INVOICE_COLUMNS = `customer_id, period, period_start, period_end, timezone, currency, status,
  usage_cutoff, parts, lines, charges_total, adjustments_total, total, computed_at, finalized_at`;

/** What the database generates for a written row; everything else is what was written. */
interface GeneratedColumns {
  id: string;
  customer_id: string;
  voided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const GENERATED = 'id, customer_id, voided_at, created_at, updated_at';

/** The stored row, from the values written and the columns generated (no jsonb read back). */
function toEntity(values: InvoiceRowValues, generated: GeneratedColumns): InvoiceEntity {
  return {
    id: generated.id,
    customerId: values.customer_id,
    period: values.period,
    periodStart: new Date(values.period_start),
    periodEnd: new Date(values.period_end),
    timezone: values.timezone,
    currency: values.currency,
    status: values.status,
    usageCutoff: values.usage_cutoff as Record<string, unknown>,
    parts: values.parts,
    lines: values.lines,
    chargesTotal: values.charges_total,
    adjustmentsTotal: values.adjustments_total,
    total: values.total,
    computedAt: new Date(values.computed_at),
    finalizedAt: values.finalized_at === null ? null : new Date(values.finalized_at),
    voidedAt: generated.voided_at === null ? null : new Date(generated.voided_at),
    createdAt: new Date(generated.created_at),
    updatedAt: new Date(generated.updated_at),
  };
}

function matchByCustomer(
  rows: readonly InvoiceRowValues[],
  generated: readonly GeneratedColumns[],
): InvoiceEntity[] {
  const byCustomer = new Map(generated.map((row) => [row.customer_id, row]));
  return rows.map((values) => {
    const row = byCustomer.get(values.customer_id);
    if (!row) throw new Error(`invoice of customer ${values.customer_id} was not written`);
    return toEntity(values, row);
  });
}

/**
 * Bulk writes of an invoice run: one statement per kind of write for a whole chunk of customers, the
 * rows passed as one JSON parameter (no limit on bound parameters, one round trip). Run inside the
 * transaction that holds the customers' row locks.
 */
export async function insertInvoices(
  manager: EntityManager,
  rows: readonly InvoiceRowValues[],
): Promise<InvoiceEntity[]> {
  if (rows.length === 0) return [];
  const inserted: GeneratedColumns[] = await manager.query(
    `INSERT INTO invoices (${INVOICE_COLUMNS})
     SELECT ${INVOICE_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${INVOICE_RECORD})
     RETURNING ${GENERATED}`,
    [JSON.stringify(rows)],
  );
  return matchByCustomer(rows, inserted);
}

/** Recomputes drafts in place (same ids); only rows still in draft are touched. */
export async function updateDrafts(
  manager: EntityManager,
  rows: ReadonlyArray<InvoiceRowValues & { id: string }>,
): Promise<InvoiceEntity[]> {
  if (rows.length === 0) return [];
  // TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, affected count].
  const [updated]: [GeneratedColumns[], number] = await manager.query(
    `UPDATE invoices AS i
     SET period_start = x.period_start, period_end = x.period_end, timezone = x.timezone,
         currency = x.currency, status = x.status, usage_cutoff = x.usage_cutoff, parts = x.parts,
         lines = x.lines, charges_total = x.charges_total, adjustments_total = x.adjustments_total,
         total = x.total, computed_at = x.computed_at, finalized_at = x.finalized_at, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, ${INVOICE_RECORD})
     WHERE i.id = x.id AND i.status = 'draft'
     RETURNING ${GENERATED.split(', ')
       .map((column) => `i.${column}`)
       .join(', ')}`,
    [JSON.stringify(rows)],
  );
  if (updated.length !== rows.length) {
    throw new Error(`updated ${updated.length} of ${rows.length} drafts: a draft changed under the lock`);
  }
  return matchByCustomer(rows, updated);
}

/** Replaces the adjustment rows of the given invoices. */
export async function replaceAdjustments(
  manager: EntityManager,
  invoiceIds: readonly string[],
  rows: readonly AdjustmentRowValues[],
): Promise<void> {
  if (invoiceIds.length > 0) {
    await manager.query('DELETE FROM invoice_adjustments WHERE invoice_id = ANY($1::uuid[])', [invoiceIds]);
  }
  if (rows.length === 0) return;
  await manager.query(
    `INSERT INTO invoice_adjustments
       (invoice_id, source_invoice_id, currency, amount, rederived_charges_total, usage_cutoff)
     SELECT invoice_id, source_invoice_id, currency, amount, rederived_charges_total, usage_cutoff
     FROM jsonb_to_recordset($1::jsonb) AS x(invoice_id uuid, source_invoice_id uuid, currency char(3),
       amount numeric, rederived_charges_total numeric, usage_cutoff jsonb)`,
    [JSON.stringify(rows)],
  );
}
