import type { BilledLine } from './compute-invoice';

export interface InvoiceDifference {
  /** `total`, `lines[2].amount`, `lines.length`, … */
  field: string;
  recorded: string;
  rederived: string;
}

interface Comparable {
  total: string;
  lines: readonly BilledLine[];
}

/** Field-by-field differences between a recorded invoice and one re-derived from the same inputs. */
export function compareInvoices(recorded: Comparable, rederived: Comparable): InvoiceDifference[] {
  const differences: InvoiceDifference[] = [];
  if (recorded.lines.length !== rederived.lines.length) {
    differences.push({
      field: 'lines.length',
      recorded: String(recorded.lines.length),
      rederived: String(rederived.lines.length),
    });
  }
  const count = Math.min(recorded.lines.length, rederived.lines.length);
  for (let index = 0; index < count; index += 1) {
    const before = recorded.lines[index];
    const after = rederived.lines[index];
    for (const field of ['kind', 'description', 'quantity', 'amount'] as const) {
      const a = field in before ? String((before as unknown as Record<string, unknown>)[field]) : '';
      const b = field in after ? String((after as unknown as Record<string, unknown>)[field]) : '';
      if (a !== b) {
        differences.push({ field: `lines[${index}].${field}`, recorded: a, rederived: b });
      }
    }
    const [a, b] = [canonicalJson(before), canonicalJson(after)];
    if (a !== b && !differences.some((d) => d.field.startsWith(`lines[${index}].`))) {
      differences.push({ field: `lines[${index}]`, recorded: a, rederived: b });
    }
  }
  if (recorded.total !== rederived.total) {
    differences.push({ field: 'total', recorded: recorded.total, rederived: rederived.total });
  }
  return differences;
}

/** JSON with object keys sorted, so a line read back from jsonb (which reorders keys) compares equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)),
        )
      : item,
  );
}
