import { runClickHouseMigrations, type ClickHouseHandle } from '../src';
import { clickHouseTestTargets, type ClickHouseTestTarget } from './support/clickhouse-targets';

/** A usage_events_raw row as the ingestor would write it (all columns but the defaulted ingested_at). */
function usageEvent(
  eventId: string,
  offset: number,
  occurredAt = '2026-03-15 10:00:00.000',
): Record<string, unknown> {
  return {
    event_id: eventId,
    occurred_at: occurredAt,
    gateway_id: 'gw-1',
    key_id: 'key_1',
    customer_id: 'cus_1',
    method: 'GET',
    route: '/v1/quotes/:symbol',
    status: 200,
    latency_ms: 12,
    request_bytes: 120,
    response_bytes: 2048,
    units: '1.5',
    client_ip: '203.0.113.7',
    user_agent: 'curl/8.5',
    outcome: 'forwarded',
    billable: 1,
    late: 0,
    source_topic: 'usage-events',
    source_partition: 3,
    source_offset: offset,
  };
}

const batch = [
  usageEvent('01HZX0000000000000000000A1', 100),
  usageEvent('01HZX0000000000000000000A2', 101),
  // Another month: the insert becomes two blocks, each deduplicated under the same token.
  usageEvent('01HZX0000000000000000000A3', 102, '2026-04-01 00:00:00.001'),
];

describe.each(clickHouseTestTargets())('insert deduplication on %s', (_adapter, createTarget) => {
  let target: ClickHouseTestTarget;
  let handle: ClickHouseHandle;

  beforeAll(() => {
    target = createTarget();
  });

  beforeEach(async () => {
    handle = await target.open();
    await runClickHouseMigrations(handle);
  });

  afterAll(async () => {
    await target.dispose();
  });

  async function insert(
    table: string,
    values: Array<Record<string, unknown>>,
    token?: string,
  ): Promise<void> {
    await handle.client.insert({
      table,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: {
        ...(token === undefined ? {} : { insert_deduplication_token: token }),
        deduplicate_blocks_in_dependent_materialized_views: 1,
      },
    });
  }

  async function totals(table = 'usage_events_raw'): Promise<{ events: string; credits: string }> {
    const result = await handle.client.query({
      query: `SELECT count() AS events, sum(units) AS credits FROM ${table}`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ events: string; credits: string }>();
    return row;
  }

  it('counts a batch inserted twice with the same token once', async () => {
    await insert('usage_events_raw', batch, 'usage-events:3:100-102');
    await insert('usage_events_raw', batch, 'usage-events:3:100-102');

    expect(await totals()).toEqual({ events: '3', credits: '4.5' });
  });

  it('keeps both copies when the tokens differ', async () => {
    await insert('usage_events_raw', batch, 'usage-events:3:100-102');
    await insert('usage_events_raw', batch, 'usage-events:3:100-102-again');

    expect(await totals()).toEqual({ events: '6', credits: '9' });
  });

  it('does not let a token of one insert drop a later insert made without one', async () => {
    await insert('usage_events_raw', batch, 'usage-events:3:100-102');
    await insert('usage_events_raw', [usageEvent('01HZX0000000000000000000B1', 103)]);

    expect(await totals()).toEqual({ events: '4', credits: '6' });
  });

  it('counts a re-inserted batch once in a materialized view target that keeps its own window', async () => {
    await handle.client.command({
      query: `CREATE TABLE credits_by_customer (customer_id String, events UInt64, credits Decimal(38, 6))
              ENGINE = SummingMergeTree ORDER BY customer_id
              SETTINGS non_replicated_deduplication_window = 10000`,
    });
    await handle.client.command({
      query: `CREATE MATERIALIZED VIEW credits_by_customer_mv TO credits_by_customer AS
              SELECT customer_id, count() AS events, sum(units) AS credits FROM usage_events_raw GROUP BY customer_id`,
    });

    await insert('usage_events_raw', batch, 'usage-events:3:100-102');
    await insert('usage_events_raw', batch, 'usage-events:3:100-102');
    await insert(
      'usage_events_raw',
      [usageEvent('01HZX0000000000000000000C1', 103)],
      'usage-events:3:103-103',
    );

    const result = await handle.client.query({
      query: 'SELECT sum(events) AS events, sum(credits) AS credits FROM credits_by_customer',
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ events: '4', credits: '6' }]);
    expect(await totals()).toEqual({ events: '4', credits: '6' });
  });
});
