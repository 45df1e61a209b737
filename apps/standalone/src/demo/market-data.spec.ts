import { answerMarketData, history, MAX_HISTORY_POINTS, quotes } from './market-data';

const NOW = new Date('2026-11-29T10:15:30Z');
const get = (path: string) => answerMarketData('GET', new URL(path, 'http://upstream.test'), NOW);

describe('the sample market-data API: units are the data points returned', () => {
  it('charges one unit per quoted symbol', () => {
    expect(get('/v1/quotes/AAPL')).toMatchObject({ status: 200, units: 1 });
    const three = get('/v1/quotes/AAPL,MSFT,nvda');
    expect(three.units).toBe(3);
    expect((three.body as { data: { symbol: string }[] }).data.map((d) => d.symbol)).toEqual([
      'AAPL',
      'MSFT',
      'NVDA',
    ]);
  });

  it('charges one unit per history point, 30 by default', () => {
    const answer = get('/v1/history/ACME?points=120');
    expect(answer).toMatchObject({ status: 200, units: 120 });
    const data = (answer.body as { data: { at: string; close: string }[] }).data;
    expect(data).toHaveLength(120);
    expect(data[data.length - 1]?.at).toBe('2026-11-29T10:15:00.000Z');
    expect(data[0]?.at).toBe('2026-11-29T08:16:00.000Z');
    expect(get('/v1/history/ACME').units).toBe(30);
    expect(history('ACME', String(MAX_HISTORY_POINTS), NOW).units).toBe(MAX_HISTORY_POINTS);
  });

  it('charges nothing for a refused request, naming the field', () => {
    for (const points of ['0', '1001', '-5', '1.5', 'ten', '']) {
      const answer = get(`/v1/history/ACME?points=${points}`);
      expect(answer.status).toBe(400);
      expect(answer.units).toBe(0);
      expect(JSON.stringify(answer.body)).toContain('points:');
    }
    expect(quotes('AAPL,not a symbol', NOW)).toMatchObject({ status: 400, units: 0 });
    expect(get('/v1/other')).toMatchObject({ status: 404, units: 0 });
    expect(answerMarketData('POST', new URL('http://u/v1/quotes/AAPL'), NOW)).toMatchObject({
      status: 405,
      units: 0,
    });
  });

  it('gives the same price for the same symbol within a minute, and a price with two decimals', () => {
    const price = (at: Date) => (quotes('MSFT', at).body as { data: { price: string }[] }).data[0]?.price;
    expect(price(NOW)).toBe(price(new Date('2026-11-29T10:15:59Z')));
    expect(price(NOW)).toMatch(/^\d+\.\d{2}$/);
  });
});
