import { buckets } from '@keymeter/domain';
import { chooseUsageTable } from './usage-source-table';

function tableFor(
  from: string,
  to: string,
  granularity: 'minute' | 'hour' | 'day' | 'month',
  zone: string,
): string {
  const fromMs = Date.parse(from);
  const starts = buckets(new Date(from), new Date(to), granularity, zone).map((d) => d.getTime());
  return chooseUsageTable([fromMs, Date.parse(to), ...starts.filter((ms) => ms > fromMs)]).name;
}

describe('chooseUsageTable', () => {
  it('reads UTC days from the day rollup', () => {
    expect(tableFor('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', 'day', 'UTC')).toBe('usage_rollup_day');
    expect(tableFor('2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', 'month', 'Europe/London')).toBe(
      'usage_rollup_day',
    );
  });

  it('reads whole-hour zones from the hour rollup, across DST changes', () => {
    expect(tableFor('2026-11-01T04:00:00Z', '2026-12-01T05:00:00Z', 'day', 'America/New_York')).toBe(
      'usage_rollup_hour',
    );
    // London's summer days start at 23:00Z.
    expect(tableFor('2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z', 'day', 'Europe/London')).toBe(
      'usage_rollup_hour',
    );
  });

  it('reads half-hour and 45-minute zones, and Lord Howe around its change, from the minute rollup', () => {
    expect(tableFor('2026-02-28T18:30:00Z', '2026-03-31T18:30:00Z', 'day', 'Asia/Kolkata')).toBe(
      'usage_rollup_minute',
    );
    expect(tableFor('2026-04-04T12:00:00Z', '2026-04-05T18:00:00Z', 'hour', 'Australia/Lord_Howe')).toBe(
      'usage_rollup_minute',
    );
    expect(tableFor('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', 'minute', 'UTC')).toBe(
      'usage_rollup_minute',
    );
  });

  it('falls back to the raw table when from or to is not on a minute', () => {
    expect(tableFor('2026-03-01T00:00:30Z', '2026-03-02T00:00:00Z', 'day', 'UTC')).toBe('usage_events_raw');
    expect(tableFor('2026-03-01T00:00:00Z', '2026-03-02T00:00:00.001Z', 'hour', 'UTC')).toBe(
      'usage_events_raw',
    );
  });
});
