import type { PlannedRange } from './partition-buffer';

/**
 * The ingestor's plan in the metadata of an offset commit. A commit of offset X carries the range planned
 * to start at X (`keymeter-ingest/1 plan <first>-<last>`) or says that none is planned
 * (`keymeter-ingest/1 plan none`). Per partition one batch is in flight and it starts at the committed
 * offset, so this one range is every plan the next owner of the partition needs.
 */
const PREFIX = 'keymeter-ingest/1 plan ';
const RANGE = /^(0|[1-9]\d*)-(0|[1-9]\d*)$/;

/**
 * What a commit's metadata says: a plan, no plan, or (`unknown`) nothing in this format: a commit by an
 * ingestor that kept its plans in the `ingest_batches` table, or by another client of the group.
 */
export type CommittedPlan =
  | { readonly kind: 'plan'; readonly range: PlannedRange }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown' };

export function planMetadata(plan: PlannedRange | undefined): string {
  return plan === undefined ? `${PREFIX}none` : `${PREFIX}${plan.firstOffset}-${plan.lastOffset}`;
}

export function parsePlanMetadata(metadata: string | undefined): CommittedPlan {
  if (metadata === undefined || !metadata.startsWith(PREFIX)) return { kind: 'unknown' };
  const rest = metadata.slice(PREFIX.length);
  if (rest === 'none') return { kind: 'none' };
  const match = RANGE.exec(rest);
  if (!match) return { kind: 'unknown' };
  const firstOffset = BigInt(match[1]);
  const lastOffset = BigInt(match[2]);
  if (lastOffset < firstOffset) return { kind: 'unknown' };
  return { kind: 'plan', range: { firstOffset, lastOffset } };
}
