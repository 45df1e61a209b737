import { parsePlanMetadata, planMetadata } from '../src';

describe('plan in the offset commit metadata', () => {
  it('reads back the range it wrote, and "none"', () => {
    const range = { firstOffset: 9_007_199_254_740_993n, lastOffset: 9_007_199_254_760_992n };
    expect(parsePlanMetadata(planMetadata(range))).toEqual({ kind: 'plan', range });
    expect(parsePlanMetadata(planMetadata(undefined))).toEqual({ kind: 'none' });
  });

  it('reads a commit without metadata of this format (an earlier ingestor, another client) as unknown', () => {
    for (const metadata of [
      undefined,
      '',
      'plan 1-2',
      'keymeter-ingest/1 plan 5-4',
      'keymeter-ingest/1 plan x',
    ]) {
      expect(parsePlanMetadata(metadata)).toEqual({ kind: 'unknown' });
    }
  });
});
