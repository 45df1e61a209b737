import { isBillable, USAGE_EVENT_V1_FIELDS, USAGE_OUTCOMES, type UsageOutcome } from '@keymeter/contracts';
import { cloudEventUsageId } from './event-id-derivation';
import type { EventError } from './ingestion-result';

/** UsageEvent fields a CloudEvent's `data` may set; anything else in `data` goes to `meta`. */
const ENVELOPE_FIELDS = new Set(['v', 'id', 'occurredAt', 'gatewayId']);
const DATA_FIELDS = new Set<string>(USAGE_EVENT_V1_FIELDS.filter((field) => !ENVELOPE_FIELDS.has(field)));
const GATEWAY_ID_MAX = 128;

/** Where each UsageEvent field came from in the CloudEvent, so errors name what the client sent. */
const FIELD_ORIGIN: Readonly<Record<string, string>> = {
  id: 'id',
  occurredAt: 'time',
  gatewayId: 'source',
  customerId: 'subject',
};

export type CloudEventMapping =
  | { readonly ok: true; readonly candidate: Record<string, unknown> }
  | { readonly ok: false; readonly errors: readonly Omit<EventError, 'index'>[] };

/**
 * Maps one CloudEvents 1.0 event (as OpenMeter ingests them) to a UsageEvent v1 candidate, which is then
 * validated by `parseUsageEvent` like any other. The mapping is documented in docs/ingestion.md.
 */
export function cloudEventToUsageCandidate(input: unknown, receivedAt: Date): CloudEventMapping {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '', reason: 'must be a CloudEvent JSON object' }] };
  }
  const event = input as Record<string, unknown>;
  const errors: Omit<EventError, 'index'>[] = [];
  const text = (name: string): string | undefined => {
    const value = event[name];
    if (typeof value === 'string' && value !== '') return value;
    errors.push({ field: name, reason: value === undefined ? 'is required' : 'must be a non-empty string' });
    return undefined;
  };
  if (event.specversion !== '1.0') {
    errors.push({ field: 'specversion', reason: 'must be "1.0"' });
  }
  const id = text('id');
  const source = text('source');
  const type = text('type');
  const subject = text('subject');
  let timeMs: number | undefined;
  if (event.time !== undefined && event.time !== null) {
    timeMs = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
    if (Number.isNaN(timeMs)) {
      errors.push({ field: 'time', reason: 'must be an RFC 3339 timestamp' });
    }
  }
  const data = event.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    errors.push({ field: 'data', reason: 'must be a JSON object' });
  }
  if (
    errors.length > 0 ||
    id === undefined ||
    source === undefined ||
    type === undefined ||
    subject === undefined
  ) {
    return { ok: false, errors };
  }
  const fields = data as Record<string, unknown>;
  const meta: Record<string, unknown> = { eventType: type };
  for (const [name, value] of Object.entries(fields)) {
    if (DATA_FIELDS.has(name)) continue;
    meta[name] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }
  if (typeof fields.meta === 'object' && fields.meta !== null && !Array.isArray(fields.meta)) {
    Object.assign(meta, fields.meta);
  }
  const outcome =
    typeof fields.outcome === 'string' && (USAGE_OUTCOMES as readonly string[]).includes(fields.outcome)
      ? (fields.outcome as UsageOutcome)
      : 'forwarded';
  const status = fields.status ?? 200;
  const occurredAt = timeMs === undefined ? receivedAt.toISOString() : new Date(timeMs).toISOString();
  const candidate: Record<string, unknown> = {
    v: 1,
    id: cloudEventUsageId(source, id, timeMs),
    occurredAt,
    gatewayId: gatewayIdFromSource(source),
    keyId: fields.keyId ?? subject,
    customerId: fields.customerId ?? subject,
    method: fields.method ?? 'POST',
    route: fields.route ?? '*',
    status,
    latencyMs: fields.latencyMs ?? 0,
    requestBytes: fields.requestBytes ?? 0,
    responseBytes: fields.responseBytes ?? 0,
    units: typeof fields.units === 'number' ? String(fields.units) : (fields.units ?? '1'),
    clientIp: fields.clientIp ?? '0.0.0.0',
    userAgent: fields.userAgent ?? '',
    outcome: fields.outcome ?? 'forwarded',
    billable: fields.billable ?? (typeof status === 'number' ? isBillable(outcome, status) : true),
    meta,
  };
  if (fields.country !== undefined) candidate.country = fields.country;
  return { ok: true, candidate };
}

/** Names a UsageEvent field by where the CloudEvent carried it (`subject`, `time`, `data.units`). */
export function cloudEventFieldName(usageField: string): string {
  if (usageField === '') return '';
  return FIELD_ORIGIN[usageField] ?? `data.${usageField}`;
}

/**
 * A CloudEvents source is a URI-reference (`@openmeter/sdk`, `https://kong.example/gw-1`); a gateway id
 * is an identifier. Characters outside [A-Za-z0-9_.:-] become `-`, and leading non-alphanumerics go.
 */
export function gatewayIdFromSource(source: string): string {
  const cleaned = source.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned === '' ? 'cloudevents' : cleaned).slice(0, GATEWAY_ID_MAX);
}
