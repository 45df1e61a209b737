/**
 * Event type names and endpoint filters. A type is dot-separated lower-case words (`alert.opened`);
 * a filter is a type (exact match), a prefix ending in `.*` (`alert.*` matches `alert.opened` and
 * `alert.sla.breached`) or `*`. An endpoint with no filter receives every type.
 */
const TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const MAX_TYPE_LENGTH = 100;

export function isEventType(value: string): boolean {
  return value.length <= MAX_TYPE_LENGTH && TYPE.test(value);
}

export function isEventTypeFilter(value: string): boolean {
  if (value === '*') return true;
  if (value.endsWith('.*')) return isEventType(value.slice(0, -2));
  return isEventType(value);
}

export function matchesEventTypes(filters: readonly string[], type: string): boolean {
  if (filters.length === 0) return true;
  return filters.some((filter) => {
    if (filter === '*') return true;
    if (filter.endsWith('.*')) return type.startsWith(filter.slice(0, -1));
    return filter === type;
  });
}

/** The event types keymeter emits. Receivers may see new types appear; they should ignore unknown ones. */
export const WEBHOOK_EVENT_TYPES = [
  'alert.opened',
  'alert.updated',
  'alert.acknowledged',
  'alert.resolved',
  'key.action_applied',
  'key.action_reverted',
  'webhook.test',
] as const;

export const WEBHOOK_TEST_EVENT_TYPE = 'webhook.test';
