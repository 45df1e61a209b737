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

interface RawInvoiceRow {
  id: string;
  customer_id: string;
  period: string;
  period_start: Date;
  period_end: Date;
  timezone: string;
  currency: string;
  status: string;
  usage_cutoff: Record<string, unknown>;
  parts: unknown[];
  lines: unknown[];
  charges_total: string;
  adjustments_total: string;
  total: string;
  computed_at: Date;
  finalized_at: Date | null;
  voided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toEntity(row: RawInvoiceRow): InvoiceEntity {
  return {
    id: row.id,
    customerId: row.customer_id,
    period: row.period,
    periodStart: new Date(row.period_start),
    periodEnd: new Date(row.period_end),
    timezone: row.timezone,
    currency: row.currency,
    status: row.status,
    usageCutoff: row.usage_cutoff,
    parts: row.parts,
    lines: row.lines,
    chargesTotal: row.charges_total,
    adjustmentsTotal: row.adjustments_total,
    total: row.total,
    computedAt: new Date(row.computed_at),
    finalizedAt: row.finalized_at === null ? null : new Date(row.finalized_at),
    voidedAt: row.voided_at === null ? null : new Date(row.voided_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
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
  const inserted: RawInvoiceRow[] = await manager.query(
    `INSERT INTO invoices (${INVOICE_COLUMNS})
     SELECT ${INVOICE_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${INVOICE_RECORD})
     RETURNING *`,
    [JSON.stringify(rows)],
  );
  return inserted.map(toEntity);
}

/** Recomputes drafts in place (same ids); only rows still in draft are touched. */
export async function updateDrafts(
  manager: EntityManager,
  rows: ReadonlyArray<InvoiceRowValues & { id: string }>,
): Promise<InvoiceEntity[]> {
  if (rows.length === 0) return [];
  // TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, affected count].
  const [updated]: [RawInvoiceRow[], number] = await manager.query(
    `UPDATE invoices AS i
     SET period_start = x.period_start, period_end = x.period_end, timezone = x.timezone,
         currency = x.currency, status = x.status, usage_cutoff = x.usage_cutoff, parts = x.parts,
         lines = x.lines, charges_total = x.charges_total, adjustments_total = x.adjustments_total,
         total = x.total, computed_at = x.computed_at, finalized_at = x.finalized_at, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, ${INVOICE_RECORD})
     WHERE i.id = x.id AND i.status = 'draft'
     RETURNING i.*`,
    [JSON.stringify(rows)],
  );
  if (updated.length !== rows.length) {
    throw new Error(`updated ${updated.length} of ${rows.length} drafts: a draft changed under the lock`);
  }
  return updated.map(toEntity);
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
