import { compareInvoices } from './compare-invoices';
import { lateUsageAdjustment } from './late-usage';

const january = { invoiceId: 'inv-jan', period: '2026-01', currency: 'USD', chargesTotal: '12.30' };

describe('lateUsageAdjustment', () => {
  it('is the difference between re-derived and finalized charges', () => {
    expect(lateUsageAdjustment(january, '12.55', [])).toEqual({
      sourceInvoiceId: 'inv-jan',
      sourcePeriod: '2026-01',
      amount: '0.25',
    });
  });

  it('subtracts what earlier adjustments already applied, so nothing is charged twice', () => {
    expect(lateUsageAdjustment(january, '12.55', ['0.25'])).toBeNull();
    expect(lateUsageAdjustment(january, '12.75', ['0.25'])?.amount).toBe('0.20');
  });

  it('credits when re-derived charges are lower', () => {
    expect(lateUsageAdjustment(january, '12.00', [])?.amount).toBe('-0.30');
  });

  it('keeps the currency exponent (JPY)', () => {
    const jpy = { ...january, currency: 'JPY', chargesTotal: '1230' };
    expect(lateUsageAdjustment(jpy, '1300', [])?.amount).toBe('70');
  });
});

describe('compareInvoices', () => {
  const line = {
    kind: 'adjustment' as const,
    currency: 'USD',
    description: 'x',
    unroundedAmount: '1',
    amount: '1.00',
    partIndex: null,
    planId: null,
    meter: null,
    sourceInvoiceId: 'a',
  };

  it('finds nothing when only the key order differs', () => {
    const reordered = Object.fromEntries(Object.entries(line).reverse()) as typeof line;
    expect(compareInvoices({ total: '1.00', lines: [line] }, { total: '1.00', lines: [reordered] })).toEqual(
      [],
    );
  });

  it('names the fields that differ', () => {
    expect(
      compareInvoices(
        { total: '1.00', lines: [line] },
        { total: '2.00', lines: [{ ...line, amount: '2.00' }] },
      ),
    ).toEqual([
      { field: 'lines[0].amount', recorded: '1.00', rederived: '2.00' },
      { field: 'total', recorded: '1.00', rederived: '2.00' },
    ]);
  });
});
