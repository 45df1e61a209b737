import {
  keepRows,
  RAW_EVENT_COLUMNS,
  rawEventBodyOf,
  rawEventRowAsTabSeparated,
  rawEventRowsAsTabSeparated,
  tabSeparatedField,
  type RawEventRow,
} from '../src';

const row: RawEventRow = {
  event_id: '01JQ0000000000000000000000',
  occurred_at: '2026-04-01 08:30:15.123',
  gateway_id: 'gw-1',
  key_id: 'key_1',
  customer_id: 'cus_1',
  method: 'GET',
  route: '/v1/quotes/:symbol',
  status: 200,
  latency_ms: 12,
  request_bytes: 100,
  response_bytes: 2000,
  units: '1.5',
  client_ip: '203.0.113.7',
  user_agent: 'client/1.0',
  outcome: 'forwarded',
  billable: 1,
  late: 0,
  source_topic: 'usage-events',
  source_partition: 3,
  source_offset: '42',
  country: 'DE',
};

describe('TabSeparated body of raw event rows', () => {
  it('escapes backslashes, tabs, line breaks and NUL, and leaves other characters as they are', () => {
    expect(tabSeparatedField('a\\b\tc\nd\re\0f')).toBe('a\\\\b\\tc\\nd\\re\\0f');
    expect(tabSeparatedField('"quoted", \'single\' ünï ✓')).toBe('"quoted", \'single\' ünï ✓');
    expect(tabSeparatedField('\\N')).toBe('\\\\N');
  });

  it('writes one line with a field per column, in column order', () => {
    const line = rawEventRowAsTabSeparated({ ...row, route: '/v1/a\tb' });
    expect(line.endsWith('\n')).toBe(true);
    const fields = line.slice(0, -1).split('\t');
    expect(fields).toHaveLength(RAW_EVENT_COLUMNS.length);
    expect(fields[RAW_EVENT_COLUMNS.indexOf('route')]).toBe('/v1/a\\tb');
    expect(fields[RAW_EVENT_COLUMNS.indexOf('units')]).toBe('1.5');
    expect(fields[RAW_EVENT_COLUMNS.indexOf('source_offset')]).toBe('42');
    expect(fields[RAW_EVENT_COLUMNS.indexOf('country')]).toBe('DE');
    expect(fields[RAW_EVENT_COLUMNS.indexOf('event_id')]).toBe(row.event_id);
  });
});

describe('TabSeparated body as bytes', () => {
  const long = 'ü✓'.repeat(300);
  const rows: RawEventRow[] = Array.from({ length: 50 }, (_, index) => ({
    ...row,
    source_offset: String(index),
    occurred_at: `2026-04-0${1 + (index % 3)} 23:59:59.999`,
    user_agent: index % 2 === 0 ? long : 'a\tb\\c\nd',
  }));
  /** 2026-04-01 is day 20544 since 1970-01-01. */
  const dayOf = (index: number): number => 20544 + (index % 3);

  it('is the UTF-8 encoding of the string body, also when a batch outgrows the first buffer', () => {
    const body = rawEventBodyOf(rows);
    expect(body.rowCount).toBe(50);
    expect(body.bytes.equals(Buffer.from(rows.map(rawEventRowAsTabSeparated).join(''), 'utf8'))).toBe(true);
    expect(rawEventRowsAsTabSeparated(rows)).toBe(body.bytes.toString('utf8'));
    expect(body.rowDays).toEqual(rows.map((_, index) => dayOf(index)));
    expect(rawEventBodyOf([])).toEqual({ bytes: Buffer.alloc(0), rowCount: 0, rowDays: [] });
  });

  it('keeps the chosen rows whole, whatever their values hold', () => {
    const odd = keepRows(rawEventBodyOf(rows), (index) => index % 2 === 1);
    const expected = rows.filter((_, index) => index % 2 === 1);
    expect(odd.rowCount).toBe(25);
    expect(odd.bytes.toString('utf8')).toBe(rawEventRowsAsTabSeparated(expected));
    expect(odd.rowDays).toEqual(rows.map((_, index) => dayOf(index)).filter((_, index) => index % 2 === 1));
    expect(keepRows(rawEventBodyOf(rows), () => false)).toEqual({
      bytes: Buffer.alloc(0),
      rowCount: 0,
      rowDays: [],
    });
  });
});
