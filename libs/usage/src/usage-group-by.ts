import type { UsageTable } from './usage-source-table';

/** What a series may be grouped by: an allow-list, each mapped to a fixed column expression. */
export const USAGE_GROUP_BYS = ['key', 'route', 'status'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BYS)[number];

/** The group a series belongs to; empty when the query is not grouped. */
export interface UsageGroup {
  keyId?: string;
  route?: string;
  /** `2xx`, `4xx`, … */
  statusClass?: string;
}

export function isUsageGroupBy(value: unknown): value is UsageGroupBy {
  return typeof value === 'string' && (USAGE_GROUP_BYS as readonly string[]).includes(value);
}

/** The SQL expression of a group-by on a table; a constant, never input. */
export function groupColumn(table: UsageTable, groupBy: UsageGroupBy | undefined): string {
  switch (groupBy) {
    case undefined:
      return "''";
    case 'key':
      return 'key_id';
    case 'route':
      return 'route';
    case 'status':
      return `toString(${table.statusClass})`;
  }
}

export function groupOf(groupBy: UsageGroupBy | undefined, value: string): UsageGroup {
  switch (groupBy) {
    case undefined:
      return {};
    case 'key':
      return { keyId: value };
    case 'route':
      return { route: value };
    case 'status':
      return { statusClass: `${value}xx` };
  }
}
