/** What the demo's calls came back with, by how the gateway answered them. */
export interface TrafficTally {
  calls: number;
  /** 2xx: forwarded to the upstream and billable. */
  forwarded: number;
  /** Data points in the forwarded answers: the credits the gateway recorded. */
  credits: number;
  rateLimited: number;
  /** 403 outside the key's scopes. */
  outOfScope: number;
  /** Forwarded calls made from the second source network. */
  fromNewNetwork: number;
  /** Anything else: other 4xx/5xx answers, or no answer. */
  failed: number;
}

export function emptyTally(): TrafficTally {
  return { calls: 0, forwarded: 0, credits: 0, rateLimited: 0, outOfScope: 0, fromNewNetwork: 0, failed: 0 };
}

/** Data points in a market-data answer (`{ data: [...] }`), 0 when it has none. */
export function dataPoints(body: string): number {
  try {
    const parsed = JSON.parse(body) as { data?: unknown };
    return Array.isArray(parsed.data) ? parsed.data.length : 0;
  } catch {
    return 0;
  }
}

/** Counts one answer (status undefined: the call failed without an answer). */
export function record(
  tally: TrafficTally,
  status: number | undefined,
  body: string,
  newNetwork: boolean,
): void {
  tally.calls += 1;
  if (status !== undefined && status >= 200 && status < 300) {
    tally.forwarded += 1;
    tally.credits += dataPoints(body);
    if (newNetwork) tally.fromNewNetwork += 1;
  } else if (status === 429) tally.rateLimited += 1;
  else if (status === 403) tally.outOfScope += 1;
  else tally.failed += 1;
}

/** `ok 812 · rate-limited 25 · out of scope 4 · failed 0`, for the progress line. */
export function describeTally(tally: TrafficTally): string {
  const parts = [
    `ok ${tally.forwarded}`,
    `rate-limited ${tally.rateLimited}`,
    `out of scope ${tally.outOfScope}`,
  ];
  if (tally.fromNewNetwork > 0) parts.push(`new network ${tally.fromNewNetwork}`);
  if (tally.failed > 0) parts.push(`failed ${tally.failed}`);
  return parts.join(' · ');
}
