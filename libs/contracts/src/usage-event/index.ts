export { isBillable } from './billable';
export { eventIdTimeMs, isEventId, newEventId, normalizeEventId } from './event-id';
export { isIpAddress } from './ip-address';
export {
  ByteWriter,
  scanCompactUsageEvent,
  scannedEventId,
  scannedFields,
  scannedOccurredAtMs,
  scanUsageEvent,
  skipWhitespace,
  type ScannedFields,
  type ScannedUsageEvent,
} from './usage-event.fast-path';
export { parseUsageEvent, type ParseUsageEventOptions } from './parse-usage-event';
export { microsToUnits, normalizeUnits, unitsToMicros } from './units';
export {
  decodeUsageEvent,
  encodeUsageEvent,
  encodeUsageEventJson,
  USAGE_EVENT_V1_COMPACT_FIELDS,
} from './usage-event.codec';
export { USAGE_EVENT_LIMITS } from './usage-event.limits';
export { usageEventV1JsonSchema } from './usage-event.json-schema';
export {
  REJECTED_OUTCOMES,
  USAGE_EVENT_V1_FIELDS,
  USAGE_OUTCOMES,
  type FieldError,
  type UsageEventParseResult,
  type UsageEventV1,
  type UsageOutcome,
} from './usage-event.types';
