import { billingPeriod } from '@keymeter/domain';
import type { PlanTerms } from '../plans/plan-terms';
import type { UsageQuantities } from '../usage-source';
import { computeInvoice, type ComputedInvoice } from './compute-invoice';
import { splitPeriod, type SubscriptionTerm } from './period-parts';

function plan(overrides: Partial<PlanTerms>): PlanTerms {
  return {
    id: 'plan-a',
    name: 'Starter',
    currency: 'USD',
    fixedFee: null,
    minimumCommitment: null,
    meters: {},
    ...overrides,
  };
}

function usage(partial: Partial<UsageQuantities>): UsageQuantities {
  return { requests: '0', credits: '0', egress_bytes: '0', ...partial };
}

function subscription(terms: PlanTerms, startsAt: string, endsAt: string | null = null): SubscriptionTerm {
  return {
    subscriptionId: `sub-${terms.id}`,
    plan: terms,
    startsAt: new Date(startsAt),
    endsAt: endsAt === null ? null : new Date(endsAt),
  };
}

/** Prices one period in `timeZone` for the given subscriptions and per-part usage. */
function invoiceFor(
  period: string,
  timeZone: string,
  currency: string,
  subscriptions: SubscriptionTerm[],
  partUsage: Partial<UsageQuantities>[],
): ComputedInvoice {
  const parts = splitPeriod(billingPeriod(period, timeZone), subscriptions);
  return computeInvoice({ currency, parts, usage: partUsage.map(usage) });
}

function amounts(invoice: ComputedInvoice): Array<[string, string]> {
  return invoice.lines.map((line) => [line.description, line.amount]);
}

describe('computeInvoice: hand-checked invoices (a whole month, UTC)', () => {
  const wholeMonth = '2026-01-01T00:00:00.000Z';

  it('per-unit price with a free allowance and a fixed fee (USD)', () => {
    const terms = plan({
      fixedFee: '10.00',
      meters: { requests: { type: 'per_unit', unitPrice: '0.002', freeUnits: '1000' } },
    });
    const invoice = invoiceFor(
      '2026-03',
      'UTC',
      'USD',
      [subscription(terms, wholeMonth)],
      [{ requests: '12345' }],
    );
    // 12 345 − 1 000 free = 11 345 × 0.002 = 22.69
    expect(amounts(invoice)).toEqual([
      ['Starter: fixed fee', '10.00'],
      ['Starter: Requests', '22.69'],
    ]);
    expect(invoice.total).toBe('32.69');
  });

  it('graduated tiers with a flat fee, with the tier breakdown on the line', () => {
    const terms = plan({
      meters: {
        credits: {
          type: 'graduated',
          tiers: [
            { upTo: '1000', unitPrice: '0' },
            { upTo: '10000', unitPrice: '0.01' },
            { upTo: null, unitPrice: '0.005', flatFee: '1.00' },
          ],
        },
      },
    });
    const invoice = invoiceFor(
      '2026-03',
      'UTC',
      'USD',
      [subscription(terms, wholeMonth)],
      [{ credits: '25000' }],
    );
    const line = invoice.lines[0];
    if (line?.kind !== 'usage') throw new Error('expected a usage line');
    // 1000 × 0 + 9000 × 0.01 + 15000 × 0.005 + 1.00 = 0 + 90 + 76 = 166.00
    expect(line.breakdown.map((tier) => [tier.units, tier.amount])).toEqual([
      ['1000', '0'],
      ['9000', '90'],
      ['15000', '76'],
    ]);
    expect(invoice.total).toBe('166.00');
  });

  it('volume tiers price every unit at the tier of the total', () => {
    const terms = plan({
      meters: {
        credits: {
          type: 'volume',
          tiers: [
            { upTo: '1000', unitPrice: '0.05' },
            { upTo: '10000', unitPrice: '0.04', flatFee: '5' },
            { upTo: null, unitPrice: '0.03' },
          ],
        },
      },
    });
    // 1 001 × 0.04 + 5 = 45.04
    const invoice = invoiceFor(
      '2026-03',
      'UTC',
      'USD',
      [subscription(terms, wholeMonth)],
      [{ credits: '1001' }],
    );
    expect(invoice.total).toBe('45.04');
  });

  it('package price counts a started block as a whole block', () => {
    const terms = plan({
      meters: { egress_bytes: { type: 'package', packageSize: '1000000', packagePrice: '0.10' } },
    });
    // 2 500 001 bytes → ceil(2.500001) = 3 blocks × 0.10 = 0.30
    const invoice = invoiceFor(
      '2026-03',
      'UTC',
      'USD',
      [subscription(terms, wholeMonth)],
      [{ egress_bytes: '2500001' }],
    );
    expect(amounts(invoice)).toEqual([['Starter: Egress bytes', '0.30']]);
  });

  it('tops usage up to the minimum commitment', () => {
    const terms = plan({
      fixedFee: '10.00',
      minimumCommitment: '100.00',
      meters: {
        requests: { type: 'per_unit', unitPrice: '0.002', freeUnits: '1000' },
        credits: {
          type: 'volume',
          tiers: [
            { upTo: '1000', unitPrice: '0.05' },
            { upTo: '10000', unitPrice: '0.04', flatFee: '5' },
            { upTo: null, unitPrice: '0.03' },
          ],
        },
      },
    });
    const invoice = invoiceFor(
      '2026-03',
      'UTC',
      'USD',
      [subscription(terms, wholeMonth)],
      [{ requests: '12345', credits: '1001' }],
    );
    // usage 22.69 + 45.04 = 67.73; true-up 100.00 − 67.73 = 32.27; total 10 + 67.73 + 32.27 = 110.00
    expect(amounts(invoice)).toEqual([
      ['Starter: fixed fee', '10.00'],
      ['Starter: Requests', '22.69'],
      ['Starter: Credits', '45.04'],
      ['Starter: minimum commitment true-up', '32.27'],
    ]);
    expect(invoice.total).toBe('110.00');
  });

  it('has no true-up when usage reaches the commitment', () => {
    const terms = plan({
      minimumCommitment: '10.00',
      meters: { requests: { type: 'per_unit', unitPrice: '0.01' } },
    });
    const invoice = invoiceFor(
      '2026-03',
      'UTC',
      'USD',
      [subscription(terms, wholeMonth)],
      [{ requests: '1500' }],
    );
    expect(amounts(invoice)).toEqual([['Starter: Requests', '15.00']]);
  });
});

describe('computeInvoice: a plan change mid-month', () => {
  const starter = plan({
    id: 'starter',
    name: 'Starter',
    fixedFee: '30.00',
    minimumCommitment: '60.00',
    meters: { requests: { type: 'per_unit', unitPrice: '0.01' } },
  });
  const growth = plan({
    id: 'growth',
    name: 'Growth',
    fixedFee: '90.00',
    meters: {
      requests: {
        type: 'graduated',
        tiers: [
          { upTo: '100', unitPrice: '0' },
          { upTo: null, unitPrice: '0.005' },
        ],
      },
    },
  });

  it('prices each part by its plan, prorating fee and commitment by time share (April: 30 days)', () => {
    const change = '2026-04-11T00:00:00.000Z';
    const invoice = invoiceFor(
      '2026-04',
      'UTC',
      'USD',
      [subscription(starter, '2026-01-01T00:00:00.000Z', change), subscription(growth, change)],
      [{ requests: '1500' }, { requests: '3000' }],
    );
    // Starter 10/30 days: fee 30 × 1/3 = 10.00; 1500 × 0.01 = 15.00; commitment 60 × 1/3 = 20 → true-up 5.00
    // Growth 20/30 days: fee 90 × 2/3 = 60.00; tiers restart: 100 × 0 + 2900 × 0.005 = 14.50
    expect(amounts(invoice)).toEqual([
      ['Starter: fixed fee', '10.00'],
      ['Starter: Requests', '15.00'],
      ['Starter: minimum commitment true-up', '5.00'],
      ['Growth: fixed fee', '60.00'],
      ['Growth: Requests', '14.50'],
    ]);
    expect(invoice.lines.map((line) => line.partIndex)).toEqual([0, 0, 0, 1, 1]);
    expect(invoice.total).toBe('104.50');
  });
});

describe('computeInvoice: customer time zones', () => {
  it('Pacific/Auckland: April starts 31 March 11:00Z and has 721 hours (NZDT ends on 5 April)', () => {
    const terms = plan({ currency: 'NZD', fixedFee: '72.10' });
    // Subscribed from 16 April 00:00 NZST = 15 April 12:00Z: 360 of 721 hours.
    const parts = splitPeriod(billingPeriod('2026-04', 'Pacific/Auckland'), [
      subscription(terms, '2026-04-15T12:00:00.000Z'),
    ]);
    expect(parts.map((part) => [part.from.toISOString(), part.to.toISOString()])).toEqual([
      ['2026-04-15T12:00:00.000Z', '2026-04-30T12:00:00.000Z'],
    ]);
    expect(parts[0]?.timeShare).toEqual({ numerator: '360', denominator: '721' });
    const invoice = computeInvoice({ currency: 'NZD', parts, usage: [usage({})] });
    // 72.10 × 360 / 721 = 36.00
    expect(amounts(invoice)).toEqual([['Starter: fixed fee', '36.00']]);
  });

  it('Pacific/Auckland: a subscription from 1 April local time covers the whole period', () => {
    const terms = plan({ currency: 'NZD', fixedFee: '72.10' });
    const parts = splitPeriod(billingPeriod('2026-04', 'Pacific/Auckland'), [
      subscription(terms, '2026-03-31T11:00:00.000Z'),
    ]);
    expect(parts[0]?.timeShare).toEqual({ numerator: '1', denominator: '1' });
  });

  it('America/New_York across the DST change: March has 743 hours, split at 16 March 00:00 EDT', () => {
    const basic = plan({ id: 'basic', name: 'Basic', fixedFee: '74.30' });
    const pro = plan({
      id: 'pro',
      name: 'Pro',
      fixedFee: '148.60',
      meters: { requests: { type: 'per_unit', unitPrice: '0.001' } },
    });
    const change = '2026-03-16T04:00:00.000Z';
    const parts = splitPeriod(billingPeriod('2026-03', 'America/New_York'), [
      subscription(basic, '2026-01-01T05:00:00.000Z', change),
      subscription(pro, change),
    ]);
    expect(parts.map((part) => [part.from.toISOString(), part.to.toISOString(), part.timeShare])).toEqual([
      ['2026-03-01T05:00:00.000Z', change, { numerator: '359', denominator: '743' }],
      [change, '2026-04-01T04:00:00.000Z', { numerator: '384', denominator: '743' }],
    ]);
    const invoice = computeInvoice({
      currency: 'USD',
      parts,
      usage: [usage({ requests: '999' }), usage({ requests: '12345' })],
    });
    // Basic 359 h: 74.30 × 359/743 = 35.90 (Basic prices no meter)
    // Pro 384 h: 148.60 × 384/743 = 76.80; 12 345 × 0.001 = 12.345 → 12.35
    expect(amounts(invoice)).toEqual([
      ['Basic: fixed fee', '35.90'],
      ['Pro: fixed fee', '76.80'],
      ['Pro: Requests', '12.35'],
    ]);
    expect(invoice.total).toBe('125.05');
  });
});

describe('computeInvoice: currencies', () => {
  it('JPY: whole yen, prorated fee and commitment rounded once each', () => {
    const terms = plan({
      currency: 'JPY',
      fixedFee: '1000',
      minimumCommitment: '5000',
      meters: { requests: { type: 'per_unit', unitPrice: '0.5' } },
    });
    // June has 30 days; from 21 June: 10 days = 1/3.
    const invoice = invoiceFor(
      '2026-06',
      'UTC',
      'JPY',
      [subscription(terms, '2026-06-21T00:00:00.000Z')],
      [{ requests: '1001' }],
    );
    // fee 1000/3 = 333.3 → 333; 1001 × 0.5 = 500.5 → 501; commitment 5000/3 = 1666.7 → 1667, true-up 1166
    expect(amounts(invoice)).toEqual([
      ['Starter: fixed fee', '333'],
      ['Starter: Requests', '501'],
      ['Starter: minimum commitment true-up', '1166'],
    ]);
    expect(invoice.total).toBe('2000');
  });

  it('rejects a plan in another currency, naming the field', () => {
    const terms = plan({ currency: 'JPY', fixedFee: '1000' });
    expect(() =>
      invoiceFor('2026-06', 'UTC', 'USD', [subscription(terms, '2026-06-01T00:00:00.000Z')], [{}]),
    ).toThrow(/parts\[0\]\.plan\.currency: plan plan-a is priced in JPY/);
  });
});

describe('computeInvoice: adjustments', () => {
  it('adds late-usage adjustments after the charges; they count in the total, not in the charges', () => {
    const terms = plan({ meters: { requests: { type: 'per_unit', unitPrice: '0.01' } } });
    const parts = splitPeriod(billingPeriod('2026-02', 'UTC'), [
      subscription(terms, '2026-01-01T00:00:00.000Z'),
    ]);
    const invoice = computeInvoice({
      currency: 'USD',
      parts,
      usage: [usage({ requests: '100' })],
      adjustments: [{ sourceInvoiceId: 'inv-jan', sourcePeriod: '2026-01', amount: '0.25' }],
    });
    expect(amounts(invoice)).toEqual([
      ['Starter: Requests', '1.00'],
      ['Late usage for 2026-01 (invoice inv-jan)', '0.25'],
    ]);
    expect([invoice.chargesTotal, invoice.adjustmentsTotal, invoice.total]).toEqual(['1.00', '0.25', '1.25']);
  });

  it('bills nothing for time covered by no subscription', () => {
    expect(splitPeriod(billingPeriod('2026-02', 'UTC'), [])).toEqual([]);
    const terms = plan({ fixedFee: '28.00' });
    const parts = splitPeriod(billingPeriod('2026-02', 'UTC'), [
      subscription(terms, '2026-01-01T00:00:00.000Z', '2026-02-08T00:00:00.000Z'),
    ]);
    // 7 of 28 days
    expect(amounts(computeInvoice({ currency: 'USD', parts, usage: [usage({})] }))).toEqual([
      ['Starter: fixed fee', '7.00'],
    ]);
  });

  it('refuses overlapping subscriptions', () => {
    const terms = plan({ fixedFee: '1.00' });
    expect(() =>
      splitPeriod(billingPeriod('2026-02', 'UTC'), [
        subscription(terms, '2026-01-01T00:00:00.000Z'),
        { ...subscription(terms, '2026-02-10T00:00:00.000Z'), subscriptionId: 'other' },
      ]),
    ).toThrow(/overlap/);
  });
});
