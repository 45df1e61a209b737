import type { ClickHouseHandle } from '@keymeter/clickhouse';
import type { EventLog } from '@keymeter/event-log';
import {
  createClickHouseUsageSource,
  lastUsedAt,
  usageByCustomerKeyMeter,
  usageByKey,
  UsageQueryInputError,
  usageSeries,
  usageTotals,
  type UsageSeries,
} from '../src';
import {
  ingestAll,
  openTestClickHouse,
  openTestKafka,
  produceEvents,
  uniqueName,
  usageEvent,
} from './usage-harness';

const A = 'cus_alpha';
const B = 'cus_beta';

/** Bucket start → requests, for the one line of an ungrouped series. */
function requestsByStart(series: UsageSeries): Record<string, string> {
  return Object.fromEntries(series.series[0].points.map((p) => [p.start, p.requests]));
}

describe('usage queries over events ingested from Kafka (chDB)', () => {
  let log: EventLog;
  let ch: Awaited<ReturnType<typeof openTestClickHouse>>;
  let client: ClickHouseHandle['client'];
  const topic = uniqueName('usage-q');
  const dlq = `${topic}-dlq`;

  // New York, around the fall-back change on 2026-11-01 (local day 2026-11-01 is 25 h: 04:00Z → 05:00Z).
  const ny = [
    usageEvent({ customerId: A, keyId: 'key_a1', at: '2026-10-31T03:59:00Z' }), // local 10-30 23:59
    usageEvent({ customerId: A, keyId: 'key_a1', at: '2026-10-31T04:00:00Z' }), // local 10-31 00:00
    usageEvent({ customerId: A, keyId: 'key_a1', at: '2026-11-01T04:30:00Z' }), // local 11-01 00:30 EDT
    usageEvent({ customerId: A, keyId: 'key_a2', at: '2026-11-02T04:30:00Z', route: '/v1/history/:symbol' }), // 11-01 23:30 EST
    usageEvent({
      customerId: A,
      keyId: 'key_a2',
      at: '2026-11-02T05:30:00Z',
      units: '2.5',
      responseBytes: 300,
    }), // 11-02 00:30
  ];
  // Auckland: April 2026 starts 2026-03-31T11:00Z.
  const auckland = [
    usageEvent({ customerId: A, keyId: 'key_a1', at: '2026-03-31T10:59:59.999Z', units: '0.000001' }),
    usageEvent({ customerId: A, keyId: 'key_a1', at: '2026-03-31T11:00:00.000Z', units: '3' }),
  ];
  // Not billable: a rate-limited call and an upstream 5xx; they count in no meter.
  const notBillable = [
    usageEvent({
      customerId: A,
      keyId: 'key_a1',
      at: '2026-11-01T12:00:00Z',
      outcome: 'rate_limited',
      status: 429,
    }),
    usageEvent({
      customerId: A,
      keyId: 'key_a1',
      at: '2026-11-01T12:01:00Z',
      outcome: 'forwarded',
      status: 503,
    }),
    usageEvent({ customerId: A, keyId: 'key_a2', at: '2026-11-01T12:02:00Z', status: 404, units: '1' }),
  ];
  const other = [usageEvent({ customerId: B, keyId: 'key_b1', at: '2026-11-01T12:00:00Z', units: '100' })];
  const duplicated = ny[2];

  beforeAll(async () => {
    log = openTestKafka();
    await log.ensureTopics([
      { name: topic, partitions: 3 },
      { name: dlq, partitions: 3 },
    ]);
    ch = await openTestClickHouse('keymeter-usage-queries');
    client = ch.handle.client;
    await produceEvents(log, topic, [...ny, ...auckland, ...notBillable, ...other]);
    await ingestAll(log, ch.handle, topic, dlq, uniqueName('usage-q-ingestor'));
    // The same event again, in a later batch (a gateway retry): must not count twice.
    await produceEvents(log, topic, [duplicated, duplicated]);
    await ingestAll(log, ch.handle, topic, dlq, uniqueName('usage-q-ingestor-2'));
  });

  afterAll(async () => {
    await log?.close();
    await ch?.cleanup();
  });

  it('totals each meter over billable events only, each event once', async () => {
    const totals = await usageTotals(client, {
      customerId: A,
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
    // ny: 5 billable (units 1,1,1,1,2.5; bytes 4×1000 + 300) + the 404 (billable: forwarded, < 500).
    expect(totals).toEqual({ requests: '6', credits: '7.5', egress_bytes: '5300' });
    const b = await usageTotals(client, {
      customerId: B,
      from: new Date('2026-10-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
    expect(b).toEqual({ requests: '1', credits: '100', egress_bytes: '1000' });
  });

  it('the re-sent event id counts once in the raw table and in every rollup', async () => {
    for (const table of [
      'usage_events_raw',
      'usage_rollup_minute',
      'usage_rollup_hour',
      'usage_rollup_day',
    ]) {
      const column = table === 'usage_events_raw' ? 'count()' : 'sum(events)';
      const rows = await (
        await client.query({
          query: `SELECT toString(${column}) AS n FROM ${table} WHERE key_id = 'key_a1' AND customer_id = 'cus_alpha'`,
          format: 'JSONEachRow',
        })
      ).json<{ n: string }>();
      expect({ table, n: rows[0].n }).toEqual({ table, n: '7' });
    }
  });

  it('buckets days in America/New_York across the fall-back change (a 25-hour day)', async () => {
    const series = await usageSeries(client, {
      customerId: A,
      from: new Date('2026-10-31T04:00:00Z'),
      to: new Date('2026-11-03T05:00:00Z'),
      granularity: 'day',
      timeZone: 'America/New_York',
    });
    expect(series.source).toBe('usage_rollup_hour');
    expect(series.series[0].points.map((p) => [p.start, p.end])).toEqual([
      ['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z'],
      ['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z'],
      ['2026-11-02T05:00:00.000Z', '2026-11-03T05:00:00.000Z'],
    ]);
    // 11-01 holds 00:30 EDT, 23:30 EST and the 12:0x calls (one billable 404).
    expect(requestsByStart(series)).toEqual({
      '2026-10-31T04:00:00.000Z': '1',
      '2026-11-01T04:00:00.000Z': '3',
      '2026-11-02T05:00:00.000Z': '1',
    });
    expect(series.totals.requests).toBe('5');
  });

  it('buckets months in Pacific/Auckland at local midnight of the 1st', async () => {
    const series = await usageSeries(client, {
      customerId: A,
      from: new Date('2026-02-28T11:00:00Z'),
      to: new Date('2026-04-30T12:00:00Z'),
      granularity: 'month',
      timeZone: 'Pacific/Auckland',
    });
    expect(series.series[0].points).toEqual([
      {
        start: '2026-02-28T11:00:00.000Z',
        end: '2026-03-31T11:00:00.000Z',
        requests: '1',
        credits: '0.000001',
        egress_bytes: '1000',
      },
      {
        start: '2026-03-31T11:00:00.000Z',
        end: '2026-04-30T12:00:00.000Z',
        requests: '1',
        credits: '3',
        egress_bytes: '1000',
      },
    ]);
  });

  it('reads the minute rollup for half-hour zones and the raw table for ranges off the minute', async () => {
    const kolkata = await usageSeries(client, {
      customerId: A,
      from: new Date('2026-10-30T18:30:00Z'),
      to: new Date('2026-11-02T18:30:00Z'),
      granularity: 'day',
      timeZone: 'Asia/Kolkata',
    });
    expect(kolkata.source).toBe('usage_rollup_minute');
    // 10-30T18:30Z .. 11-02T18:30Z holds all six billable calls of A in Oct/Nov.
    expect(kolkata.totals.requests).toBe('6');
    const utc = await usageSeries(client, {
      customerId: A,
      from: new Date('2026-10-31T00:00:00Z'),
      to: new Date('2026-11-03T00:00:00Z'),
      granularity: 'day',
      timeZone: 'UTC',
    });
    expect(utc.source).toBe('usage_rollup_day');
    expect(requestsByStart(utc)).toEqual({
      '2026-10-31T00:00:00.000Z': '2',
      '2026-11-01T00:00:00.000Z': '2',
      '2026-11-02T00:00:00.000Z': '2',
    });
    const offMinute = await usageSeries(client, {
      customerId: A,
      from: new Date('2026-10-31T03:59:00.500Z'),
      to: new Date('2026-10-31T04:00:00.001Z'),
      granularity: 'minute',
      timeZone: 'UTC',
    });
    expect(offMinute.source).toBe('usage_events_raw');
    expect(requestsByStart(offMinute)).toEqual({
      '2026-10-31T03:59:00.000Z': '0',
      '2026-10-31T04:00:00.000Z': '1',
    });
  });

  it('groups by key, route and status class', async () => {
    const range = {
      customerId: A,
      from: new Date('2026-10-31T00:00:00Z'),
      to: new Date('2026-11-03T00:00:00Z'),
      granularity: 'month' as const,
      timeZone: 'UTC',
    };
    const byKey = await usageSeries(client, { ...range, groupBy: 'key' });
    expect(byKey.series.map((line) => [line.group, line.totals.requests, line.totals.credits])).toEqual([
      [{ keyId: 'key_a1' }, '3', '3'],
      [{ keyId: 'key_a2' }, '3', '4.5'],
    ]);
    const byRoute = await usageSeries(client, { ...range, groupBy: 'route' });
    expect(byRoute.series.map((line) => [line.group, line.totals.requests])).toEqual([
      [{ route: '/v1/history/:symbol' }, '1'],
      [{ route: '/v1/quotes/:symbol' }, '5'],
    ]);
    const byStatus = await usageSeries(client, { ...range, groupBy: 'status' });
    expect(byStatus.series.map((line) => [line.group, line.totals.requests])).toEqual([
      [{ statusClass: '2xx' }, '5'],
      [{ statusClass: '4xx' }, '1'],
      [{ statusClass: '5xx' }, '0'],
    ]);
    const onlyA2 = await usageSeries(client, { ...range, groupBy: 'key', keyIds: ['key_a2', 'key_b1'] });
    expect(onlyA2.series.map((line) => line.group)).toEqual([{ keyId: 'key_a2' }]);
  });

  it("never returns another customer's usage, whatever keys are asked for", async () => {
    const series = await usageSeries(client, {
      customerId: A,
      from: new Date('2026-10-31T00:00:00Z'),
      to: new Date('2026-11-03T00:00:00Z'),
      granularity: 'day',
      timeZone: 'UTC',
      groupBy: 'key',
      keyIds: ['key_b1'],
    });
    expect(series.series).toEqual([]);
    expect(series.totals.requests).toBe('0');
  });

  it('gives the finance rows per customer, key and meter, and the last use of each key', async () => {
    const rows = await usageByCustomerKeyMeter(client, {
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
    });
    expect(rows).toEqual([
      { customerId: A, keyId: 'key_a1', meter: 'requests', quantity: '1' },
      { customerId: A, keyId: 'key_a1', meter: 'credits', quantity: '1' },
      { customerId: A, keyId: 'key_a1', meter: 'egress_bytes', quantity: '1000' },
      { customerId: A, keyId: 'key_a2', meter: 'requests', quantity: '3' },
      { customerId: A, keyId: 'key_a2', meter: 'credits', quantity: '4.5' },
      { customerId: A, keyId: 'key_a2', meter: 'egress_bytes', quantity: '2300' },
      { customerId: B, keyId: 'key_b1', meter: 'requests', quantity: '1' },
      { customerId: B, keyId: 'key_b1', meter: 'credits', quantity: '100' },
      { customerId: B, keyId: 'key_b1', meter: 'egress_bytes', quantity: '1000' },
    ]);
    const last = await lastUsedAt(client, ['key_a1', 'key_a2', 'key_never']);
    expect(Object.fromEntries([...last].map(([key, at]) => [key, at.toISOString()]))).toEqual({
      key_a1: '2026-11-01T12:01:00.000Z',
      key_a2: '2026-11-02T05:30:00.000Z',
    });
  });

  it('serves the billing usage source, "as of" a cut-off too', async () => {
    const source = createClickHouseUsageSource(ch.handle, { topic });
    const from = new Date('2026-11-01T04:00:00Z');
    const to = new Date('2026-12-01T05:00:00Z');
    const cutoff = await source.cutoff();
    expect(Object.values(cutoff.offsets).reduce((sum, o) => sum + Number(o), 0)).toBe(13);
    const live = await source.quantities(A, from, to);
    expect(live).toEqual({ requests: '4', credits: '5.5', egress_bytes: '3300' });
    expect(await source.quantities(A, from, to, cutoff)).toEqual(live);
    expect(await source.perKey(A, from, to, cutoff)).toEqual(await source.perKey(A, from, to));
    // A cut-off before anything was ingested counts nothing.
    expect(await source.quantities(A, from, to, { asOf: new Date(0), offsets: {} })).toEqual({
      requests: '0',
      credits: '0',
      egress_bytes: '0',
    });
  });

  it('answers many ranges of many customers in one batch, each as its own query would', async () => {
    const source = createClickHouseUsageSource(ch.handle, { topic });
    const cutoff = await source.cutoff();
    const ranges = [
      { customerId: B, from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z') },
      { customerId: A, from: new Date('2026-11-01T04:00:00Z'), to: new Date('2026-12-01T05:00:00Z') },
      { customerId: A, from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') },
      { customerId: A, from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') },
      {
        customerId: 'cus_nobody',
        from: new Date('2026-11-01T00:00:00Z'),
        to: new Date('2026-12-01T00:00:00Z'),
      },
      // The same customer and window twice: each range gets its own answer.
      { customerId: A, from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') },
    ];
    const batch = await source.quantitiesMany(ranges, cutoff);
    const single = [];
    for (const range of ranges) {
      single.push(await source.quantities(range.customerId, range.from, range.to, cutoff));
    }
    expect(batch).toEqual(single);
    expect(batch[4]).toEqual({ requests: '0', credits: '0', egress_bytes: '0' });
    expect(await source.quantitiesMany(ranges, { asOf: new Date(0), offsets: {} })).toEqual(
      ranges.map(() => ({ requests: '0', credits: '0', egress_bytes: '0' })),
    );
  });

  it('answers per key for many ranges in one batch, each as its own per-key query would', async () => {
    const source = createClickHouseUsageSource(ch.handle, { topic });
    const cutoff = await source.cutoff();
    const ranges = [
      { customerId: A, from: new Date('2026-11-01T04:00:00Z'), to: new Date('2026-12-01T05:00:00Z') },
      { customerId: B, from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z') },
      { customerId: A, from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') },
      {
        customerId: 'cus_nobody',
        from: new Date('2026-11-01T00:00:00Z'),
        to: new Date('2026-12-01T00:00:00Z'),
      },
    ];
    const batch = await source.perKeyMany(ranges, cutoff);
    const single = [];
    for (const range of ranges) {
      single.push(await source.perKey(range.customerId, range.from, range.to, cutoff));
    }
    expect(batch).toEqual(single);
    expect(batch[0].length).toBeGreaterThan(1);
    expect(batch[3]).toEqual([]);
    expect(await source.perKeyMany(ranges, { asOf: new Date(0), offsets: {} })).toEqual(ranges.map(() => []));
  });

  it('refuses bad input naming the field', async () => {
    const base = {
      customerId: A,
      from: new Date('2026-10-31T00:00:00Z'),
      to: new Date('2026-11-03T00:00:00Z'),
      granularity: 'day' as const,
      timeZone: 'UTC',
    };
    const fieldOf = async (promise: Promise<unknown>): Promise<string | undefined> =>
      promise.then(
        () => undefined,
        (error: unknown) => (error instanceof UsageQueryInputError ? error.issues[0].field : String(error)),
      );
    expect(await fieldOf(usageSeries(client, { ...base, timeZone: 'america/new_york' }))).toBe('tz');
    expect(await fieldOf(usageSeries(client, { ...base, to: base.from }))).toBe('to');
    expect(
      await fieldOf(
        usageSeries(client, { ...base, granularity: 'minute', to: new Date('2026-12-31T00:00:00Z') }),
      ),
    ).toBe('to');
    expect(await fieldOf(usageSeries(client, { ...base, customerId: "x' OR 1=1 --" }))).toBe('customerId');
    expect(await fieldOf(usageByKey(client, { ...base, from: new Date('nope') }))).toBe('from');
  });
});
