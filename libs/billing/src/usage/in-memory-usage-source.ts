import { dec } from '@keymeter/domain';
import type {
  KeyUsageQuantities,
  UsageCutoff,
  UsageQuantities,
  UsageRange,
  UsageSource,
} from '../usage-source';

/** One recorded billable call (or a batch of them) for {@link InMemoryUsageSource}. */
export interface RecordedUsage {
  customerId: string;
  keyId: string;
  occurredAt: Date;
  /** Billable calls; defaults to 1. */
  requests?: string | number;
  credits?: string | number;
  egressBytes?: string | number;
}

const PARTITION = '0';

/**
 * A usage source held in memory: each recorded entry gets the next offset of a single partition, and a
 * cut-off is that offset, so reads "as of" an earlier cut-off ignore later (late) entries. Used by tests
 * and by callers that price usage they already hold.
 */
export class InMemoryUsageSource implements UsageSource {
  private readonly entries: Array<RecordedUsage & { offset: number }> = [];

  constructor(private readonly clock: () => Date = () => new Date()) {}

  record(...usage: RecordedUsage[]): void {
    for (const entry of usage) {
      this.entries.push({ ...entry, offset: this.entries.length });
    }
  }

  async cutoff(): Promise<UsageCutoff> {
    return { asOf: this.clock(), offsets: { [PARTITION]: String(this.entries.length) } };
  }

  async quantities(
    customerId: string,
    fromInclusive: Date,
    toExclusive: Date,
    asOf?: UsageCutoff,
  ): Promise<UsageQuantities> {
    const { keyId: _keyId, ...total } = sum('', this.select(customerId, fromInclusive, toExclusive, asOf));
    return total;
  }

  async quantitiesMany(ranges: readonly UsageRange[], asOf: UsageCutoff): Promise<UsageQuantities[]> {
    return Promise.all(ranges.map((range) => this.quantities(range.customerId, range.from, range.to, asOf)));
  }

  async perKey(
    customerId: string,
    fromInclusive: Date,
    toExclusive: Date,
    asOf?: UsageCutoff,
  ): Promise<KeyUsageQuantities[]> {
    const byKey = new Map<string, RecordedUsage[]>();
    for (const entry of this.select(customerId, fromInclusive, toExclusive, asOf)) {
      byKey.set(entry.keyId, [...(byKey.get(entry.keyId) ?? []), entry]);
    }
    return [...byKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([keyId, entries]) => sum(keyId, entries));
  }

  async perKeyMany(ranges: readonly UsageRange[], asOf: UsageCutoff): Promise<KeyUsageQuantities[][]> {
    return Promise.all(ranges.map((range) => this.perKey(range.customerId, range.from, range.to, asOf)));
  }

  private select(customerId: string, from: Date, to: Date, asOf?: UsageCutoff): RecordedUsage[] {
    const limit = asOf ? Number(asOf.offsets[PARTITION] ?? '0') : Infinity;
    return this.entries.filter(
      (entry) =>
        entry.customerId === customerId &&
        entry.offset < limit &&
        entry.occurredAt.getTime() >= from.getTime() &&
        entry.occurredAt.getTime() < to.getTime(),
    );
  }
}

function sum(keyId: string, entries: readonly RecordedUsage[]): KeyUsageQuantities {
  let requests = dec(0);
  let credits = dec(0);
  let egress = dec(0);
  for (const entry of entries) {
    requests = requests.plus(entry.requests ?? 1);
    credits = credits.plus(entry.credits ?? 0);
    egress = egress.plus(entry.egressBytes ?? 0);
  }
  return { keyId, requests: requests.toFixed(), credits: credits.toFixed(), egress_bytes: egress.toFixed() };
}
