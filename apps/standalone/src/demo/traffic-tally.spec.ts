import { dataPoints, describeTally, emptyTally, record } from './traffic-tally';

describe('the demo traffic tally', () => {
  it('counts answers by how the gateway answered, and credits by data points returned', () => {
    const tally = emptyTally();
    record(tally, 200, JSON.stringify({ data: [{}, {}, {}] }), false);
    record(tally, 200, JSON.stringify({ data: [{}] }), true);
    record(tally, 429, '{"error":{}}', false);
    record(tally, 403, '{"error":{}}', false);
    record(tally, undefined, '', false);
    expect(tally).toEqual({
      calls: 5,
      forwarded: 2,
      credits: 4,
      rateLimited: 1,
      outOfScope: 1,
      fromNewNetwork: 1,
      failed: 1,
    });
    expect(describeTally(tally)).toBe('ok 2 · rate-limited 1 · out of scope 1 · new network 1 · failed 1');
  });

  it('reads no data points from an answer without data', () => {
    expect(dataPoints('not json')).toBe(0);
    expect(dataPoints('{"error":{"code":"x"}}')).toBe(0);
  });
});
