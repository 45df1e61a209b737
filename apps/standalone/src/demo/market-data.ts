/**
 * The sample upstream's answers: a small market-data API that, like real ones, charges by data points
 * returned and says so in `X-Usage-Units`. Pure: the clock comes in as an argument.
 */

export const DEMO_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'ACME'] as const;

/** Most points one history call may ask for. */
export const MAX_HISTORY_POINTS = 1000;
export const DEFAULT_HISTORY_POINTS = 30;
const MAX_SYMBOLS_PER_QUOTE = 20;

export interface MarketDataAnswer {
  readonly status: number;
  readonly body: unknown;
  /** Data points returned: what the caller is charged; 0 for an error. */
  readonly units: number;
}

const SYMBOL = /^[A-Z][A-Z0-9.]{0,9}$/;

/** A stable pseudo-price per symbol and minute, so answers look alive without any state. */
function priceOf(symbol: string, minute: number): string {
  let hash = 2166136261;
  for (const char of symbol) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const base = 20 + (hash % 480);
  const wave = Math.sin((minute + (hash % 97)) / 17) * base * 0.02;
  return (base + wave).toFixed(2);
}

function error(status: number, code: string, message: string): MarketDataAnswer {
  return { status, body: { error: { code, message } }, units: 0 };
}

/** `GET /v1/quotes/AAPL` or `/v1/quotes/AAPL,MSFT`: one data point per symbol. */
export function quotes(symbolsParam: string, now: Date): MarketDataAnswer {
  const symbols = symbolsParam.split(',').map((s) => s.trim().toUpperCase());
  if (symbols.length > MAX_SYMBOLS_PER_QUOTE) {
    return error(400, 'invalid_request', `symbols: at most ${MAX_SYMBOLS_PER_QUOTE} per call`);
  }
  const bad = symbols.find((s) => !SYMBOL.test(s));
  if (bad !== undefined) return error(400, 'invalid_request', `symbol: "${bad}" is not a ticker symbol`);
  const minute = Math.floor(now.getTime() / 60_000);
  const data = symbols.map((symbol) => ({ symbol, price: priceOf(symbol, minute), at: now.toISOString() }));
  return { status: 200, body: { data }, units: data.length };
}

/** `GET /v1/history/AAPL?points=N`: N one-minute closes (default 30, 1 to 1000), one unit each. */
export function history(symbolParam: string, pointsParam: string | null, now: Date): MarketDataAnswer {
  const symbol = symbolParam.toUpperCase();
  if (!SYMBOL.test(symbol))
    return error(400, 'invalid_request', `symbol: "${symbol}" is not a ticker symbol`);
  const raw = pointsParam ?? String(DEFAULT_HISTORY_POINTS);
  const points = Number(raw);
  if (!/^\d{1,4}$/.test(raw) || points < 1 || points > MAX_HISTORY_POINTS) {
    return error(400, 'invalid_request', `points: expected a whole number from 1 to ${MAX_HISTORY_POINTS}`);
  }
  const lastMinute = Math.floor(now.getTime() / 60_000);
  const data = Array.from({ length: points }, (_, i) => {
    const minute = lastMinute - (points - 1 - i);
    return { at: new Date(minute * 60_000).toISOString(), close: priceOf(symbol, minute) };
  });
  return { status: 200, body: { symbol, interval: '1m', data }, units: points };
}

/** Routes a request of the sample API (method, path and query as received). */
export function answerMarketData(method: string, url: URL, now: Date): MarketDataAnswer {
  if (method !== 'GET' && method !== 'HEAD') return error(405, 'method_not_allowed', 'only GET is served');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  if (segments.length === 3 && segments[0] === 'v1' && segments[1] === 'quotes') {
    return quotes(decodeURIComponent(segments[2] ?? ''), now);
  }
  if (segments.length === 3 && segments[0] === 'v1' && segments[1] === 'history') {
    return history(decodeURIComponent(segments[2] ?? ''), url.searchParams.get('points'), now);
  }
  return error(404, 'not_found', `no such path: ${url.pathname}`);
}
