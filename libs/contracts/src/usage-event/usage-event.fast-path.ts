import { isIpAddress } from './ip-address';
import { USAGE_EVENT_LIMITS as LIMITS } from './usage-event.limits';
import { USAGE_EVENT_V1_FIELDS } from './usage-event.types';

/**
 * The hot path of HTTP ingestion: reads one UsageEvent v1 JSON object straight from the request's bytes and,
 * when the event is valid **and already written in canonical form**, writes its compact payload (the bytes
 * `encodeUsageEventJson` would write for the event `parseUsageEvent` returns) without building an object.
 *
 * It declines (returns `false`, having written nothing) for anything else, and the caller then runs the full
 * path — `JSON.parse`, `parseUsageEvent`, `encodeUsageEventJson` — for that event: invalid events (whose error
 * details only the full validator produces), strings with escapes or non-ASCII characters, numbers written
 * other than as plain digits, lower-case ids, timestamps not in the canonical UTC-millisecond form, units
 * given as numbers or not canonical, unknown or repeated keys, and a `meta` with repeated keys. So it accepts
 * a subset of what the validator accepts, and for that subset copies each value's text, which is then the
 * very text `JSON.stringify` writes for the value (property-tested against the full path in
 * usage-event.fast-path.spec.ts).
 *
 * The ingestor's hot path uses the same checks on the event-log payload (`scanCompactUsageEvent`): it reads the
 * compact array in place and leaves where each field's text lies, so the row for ClickHouse is copied from the
 * record's bytes without `JSON.parse` or an event object.
 */

/** A growable byte buffer with its own ArrayBuffer (so it can be transferred to another thread). */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(initialCapacity = 4096) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  /** Appends `text` as UTF-8. */
  string(text: string): void {
    this.reserve(text.length * 3);
    this.length += Buffer.from(this.bytes.buffer, this.bytes.byteOffset).write(text, this.length, 'utf8');
  }

  /** The bytes written so far (a view, not a copy). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** What a successful `scanUsageEvent` found besides the payload it wrote. */
export interface ScannedUsageEvent {
  /** Position just after the event's closing brace. */
  end: number;
  /** Where the event's 26-character id starts in the input. */
  idStart: number;
  /** The partitioning key (key id, else customer id) in the input; both -1 for an unidentified event. */
  keyStart: number;
  keyEnd: number;
}

const FIELD_COUNT = USAGE_EVENT_V1_FIELDS.length;
const FIELD_NAMES = USAGE_EVENT_V1_FIELDS.map((name) => Buffer.from(name, 'latin1'));
/** Field positions in USAGE_EVENT_V1_FIELDS (checked below): constants, so the code compiles to plain comparisons. */
const FIELD_V = 0;
const FIELD_ID = 1;
const FIELD_OCCURRED_AT = 2;
const FIELD_GATEWAY_ID = 3;
const FIELD_KEY_ID = 4;
const FIELD_CUSTOMER_ID = 5;
const FIELD_METHOD = 6;
const FIELD_ROUTE = 7;
const FIELD_STATUS = 8;
const FIELD_LATENCY_MS = 9;
const FIELD_REQUEST_BYTES = 10;
const FIELD_RESPONSE_BYTES = 11;
const FIELD_UNITS = 12;
const FIELD_CLIENT_IP = 13;
const FIELD_USER_AGENT = 14;
const FIELD_OUTCOME = 15;
const FIELD_BILLABLE = 16;
const FIELD_COUNTRY = 17;
const FIELD_META = 18;
const FIELD_POSITIONS: readonly (readonly [string, number])[] = [
  ['v', FIELD_V],
  ['id', FIELD_ID],
  ['occurredAt', FIELD_OCCURRED_AT],
  ['gatewayId', FIELD_GATEWAY_ID],
  ['keyId', FIELD_KEY_ID],
  ['customerId', FIELD_CUSTOMER_ID],
  ['method', FIELD_METHOD],
  ['route', FIELD_ROUTE],
  ['status', FIELD_STATUS],
  ['latencyMs', FIELD_LATENCY_MS],
  ['requestBytes', FIELD_REQUEST_BYTES],
  ['responseBytes', FIELD_RESPONSE_BYTES],
  ['units', FIELD_UNITS],
  ['clientIp', FIELD_CLIENT_IP],
  ['userAgent', FIELD_USER_AGENT],
  ['outcome', FIELD_OUTCOME],
  ['billable', FIELD_BILLABLE],
  ['country', FIELD_COUNTRY],
  ['meta', FIELD_META],
];
if (
  FIELD_COUNT !== FIELD_POSITIONS.length ||
  FIELD_POSITIONS.some(([name, at]) => USAGE_EVENT_V1_FIELDS[at] !== name)
) {
  throw new Error('usage-event fast path: its field positions differ from USAGE_EVENT_V1_FIELDS');
}
/** Bits of the 17 required fields (all but country and meta). */
const REQUIRED_MASK = (1 << FIELD_COUNTRY) - 1;
const NO_VALUE = -1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Byte classes (bit flags) for the character sets of the validator's patterns, ASCII only. */
const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;
/** `_ . : -`, the identifier punctuation. */
const IDENTIFIER_PUNCT = 8;
/** Crockford base32 in upper case: digits and upper-case letters but I, L, O, U. */
const CROCKFORD = 16;
const META_PUNCT = 32;
const CLASS = new Uint8Array(256);
for (let code = 0x30; code <= 0x39; code++) CLASS[code] |= DIGIT | CROCKFORD;
for (let code = 0x41; code <= 0x5a; code++) {
  CLASS[code] |= UPPER;
  if (!'ILOU'.includes(String.fromCharCode(code))) CLASS[code] |= CROCKFORD;
}
for (let code = 0x61; code <= 0x7a; code++) CLASS[code] |= LOWER;
for (const code of [0x5f, 0x2e, 0x3a, 0x2d]) CLASS[code] |= IDENTIFIER_PUNCT;
for (const code of [0x5f, 0x2e, 0x2d]) CLASS[code] |= META_PUNCT;
const ALNUM = DIGIT | UPPER | LOWER;

const OUTCOME_NAMES = [
  'forwarded',
  'rejected_auth',
  'rejected_scope',
  'rate_limited',
  'quota_exceeded',
  'upstream_error',
].map((name) => Buffer.from(name, 'latin1'));
const FORWARDED = 0;
const REJECTED_AUTH = 1;
const UPSTREAM_ERROR = 5;
const UNIDENTIFIED_ERROR_OUTCOME = -1;

const OCCURRED_AT_MIN_MS = Date.parse(LIMITS.occurredAtMin);
const MAX_META_ENTRIES = LIMITS.metaMaxEntries;

/** Scratch state, reused by every call (the scanner is synchronous and not re-entrant). */
const starts = new Int32Array(FIELD_COUNT);
const ends = new Int32Array(FIELD_COUNT);
const numbers = new Float64Array(FIELD_COUNT);
/** Per meta entry: key start, key end, value start, value end. */
const metaRanges = new Int32Array(MAX_META_ENTRIES * 4);
let metaCount = 0;
/** Position reached by the last successful `scanString` / `scanNumber` / `scanMeta`. */
let cursor = 0;

/**
 * Where the last successful `scanCompactUsageEvent` found each field, by its index in USAGE_EVENT_V1_FIELDS;
 * valid until the next scan of either kind. Nothing is copied out, so reading an event allocates nothing.
 */
export interface ScannedFields {
  /** Start and end of each field's text in the input (a string's without its quotes); -1 for an absent country or meta. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** The numbers: v, status, latencyMs, requestBytes, responseBytes, billable (1 or 0), and occurredAt in epoch ms. */
  readonly numbers: Float64Array;
}

export const scannedFields: ScannedFields = { starts, ends, numbers };

/** The id of the event the last successful scan read from `input`. */
export function scannedEventId(input: Buffer): string {
  return input.toString('latin1', starts[FIELD_ID], ends[FIELD_ID]);
}

/** The occurredAt of the event the last successful scan read, epoch ms. */
export function scannedOccurredAtMs(): number {
  return numbers[FIELD_OCCURRED_AT];
}

/**
 * Reads the UsageEvent v1 object that starts at `start` (its `{`) in `input`, not reading at or past `end`,
 * and, when the fast path can take it, appends its compact payload to `out`, fills `found` and returns true. `latestOccurredAtMs` is the
 * receiving clock plus the allowed skew (occurredAt may not be later). Returns false, leaving `out` as it was,
 * for every event it does not take (see above): the caller validates that one with `parseUsageEvent`.
 */
export function scanUsageEvent(
  input: Uint8Array,
  start: number,
  end: number,
  latestOccurredAtMs: number,
  out: ByteWriter,
  found: ScannedUsageEvent,
): boolean {
  if (byteAt(input, start, end) !== OPEN_BRACE) return false;
  let seen = 0;
  metaCount = 0;
  starts[FIELD_COUNTRY] = NO_VALUE;
  starts[FIELD_META] = NO_VALUE;
  let position = skipWhitespace(input, start + 1, end);
  if (byteAt(input, position, end) === CLOSE_BRACE) return false;
  let expected = 0;
  for (;;) {
    if (byteAt(input, position, end) !== QUOTE) return false;
    let field = expected;
    // Senders write the fields in the order of the type: try the expected name first, in place.
    if (field < FIELD_COUNT && nameAt(input, position + 1, end, FIELD_NAMES[field])) {
      cursor = position + 2 + FIELD_NAMES[field].length;
    } else {
      if (!scanString(input, position + 1, end)) return false;
      field = fieldIndex(input, position + 1, cursor - 1, expected);
    }
    if (field < 0 || (seen & (1 << field)) !== 0) return false;
    seen |= 1 << field;
    expected = field + 1;
    position = skipWhitespace(input, cursor, end);
    if (byteAt(input, position, end) !== COLON) return false;
    position = skipWhitespace(input, position + 1, end);
    if (!scanValue(input, position, end, field)) return false;
    position = skipWhitespace(input, cursor, end);
    const next = byteAt(input, position, end);
    if (next === CLOSE_BRACE) break;
    if (next !== COMMA) return false;
    position = skipWhitespace(input, position + 1, end);
  }
  if ((seen & REQUIRED_MASK) !== REQUIRED_MASK) return false;
  if (!valid(input, latestOccurredAtMs)) return false;
  write(input, out);
  found.end = position + 1;
  found.idStart = starts[FIELD_ID];
  if (ends[FIELD_KEY_ID] > starts[FIELD_KEY_ID]) {
    found.keyStart = starts[FIELD_KEY_ID];
    found.keyEnd = ends[FIELD_KEY_ID];
  } else {
    found.keyStart = -1;
    found.keyEnd = -1;
  }
  return true;
}

/**
 * Checks the event-log payload in `input[start, end)`: the compact array `encodeUsageEvent` writes. Returns true
 * when the fast path takes it (every rule of `decodeUsageEvent` without a clock holds, and every value is
 * written as `scanUsageEvent` requires), with the fields' places in `scannedFields`; false for anything else,
 * valid or not, which the caller then reads with `decodeUsageEvent`.
 */
export function scanCompactUsageEvent(input: Uint8Array, start: number, end: number): boolean {
  let position = skipWhitespace(input, start, end);
  if (byteAt(input, position, end) !== OPEN_BRACKET) return false;
  metaCount = 0;
  starts[FIELD_COUNTRY] = NO_VALUE;
  ends[FIELD_COUNTRY] = NO_VALUE;
  starts[FIELD_META] = NO_VALUE;
  ends[FIELD_META] = NO_VALUE;
  position = skipWhitespace(input, position + 1, end);
  let field = 0;
  for (;;) {
    // Elements are the fields in order; absent trailing ones are left out, a null one is absent.
    if (field === FIELD_COUNT || !scanValue(input, position, end, field)) return false;
    field++;
    position = skipWhitespace(input, cursor, end);
    const next = byteAt(input, position, end);
    if (next === CLOSE_BRACKET) break;
    if (next !== COMMA) return false;
    position = skipWhitespace(input, position + 1, end);
  }
  if (field < FIELD_COUNTRY || skipWhitespace(input, position + 1, end) !== end) return false;
  return valid(input, Number.POSITIVE_INFINITY);
}

/** The byte at `position`, or -1 at or past `end`. */
function byteAt(input: Uint8Array, position: number, end: number): number {
  return position < end ? input[position] : -1;
}

/** JSON whitespace: space, tab, line feed, carriage return. */
export function skipWhitespace(input: Uint8Array, position: number, end: number): number {
  let at = position;
  while (at < end) {
    const code = input[at];
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) break;
    at++;
  }
  return at;
}

/**
 * A string whose characters are printable ASCII without backslash (so its JSON text is what
 * JSON.stringify writes for it); `from` is just after the opening quote. Sets `cursor` after the closing quote.
 */
function scanString(input: Uint8Array, from: number, end: number): boolean {
  for (let at = from; at < end; at++) {
    const code = input[at];
    if (code === QUOTE) {
      cursor = at + 1;
      return true;
    }
    if (code < 0x20 || code > 0x7e || code === BACKSLASH) return false;
  }
  return false;
}

/** `name` then the closing quote at `from` (field names are letters only, so that is the whole string). */
function nameAt(input: Uint8Array, from: number, end: number, name: Uint8Array): boolean {
  const close = from + name.length;
  if (close >= end || input[close] !== QUOTE) return false;
  for (let index = 0; index < name.length; index++) {
    if (input[from + index] !== name[index]) return false;
  }
  return true;
}

function fieldIndex(input: Uint8Array, from: number, to: number, expected: number): number {
  if (expected < FIELD_COUNT && sameBytes(input, from, to, FIELD_NAMES[expected])) return expected;
  for (let field = 0; field < FIELD_COUNT; field++) {
    if (field !== expected && sameBytes(input, from, to, FIELD_NAMES[field])) return field;
  }
  return -1;
}

function sameBytes(input: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  if (to - from !== name.length) return false;
  for (let index = 0; index < name.length; index++) {
    if (input[from + index] !== name[index]) return false;
  }
  return true;
}

/** Reads one field's value, recording where its text is; false for a type the fast path does not take. */
function scanValue(input: Uint8Array, position: number, end: number, field: number): boolean {
  const code = byteAt(input, position, end);
  switch (field) {
    case FIELD_V:
    case FIELD_STATUS:
    case FIELD_LATENCY_MS:
    case FIELD_REQUEST_BYTES:
    case FIELD_RESPONSE_BYTES:
      return scanNumber(input, position, end, field);
    case FIELD_BILLABLE:
      return scanBoolean(input, position, end, field);
    case FIELD_COUNTRY:
      if (code === 0x6e) return scanNull(input, position, end, field);
      break;
    case FIELD_META:
      if (code === 0x6e) return scanNull(input, position, end, field);
      return code === OPEN_BRACE && scanMeta(input, position, end, field);
  }
  if (code !== QUOTE || !scanString(input, position + 1, end)) return false;
  starts[field] = position + 1;
  ends[field] = cursor - 1;
  return true;
}

/**
 * Plain digits only (no sign, fraction or exponent), at most 16 of them: the value is then exact up to
 * Number.MAX_SAFE_INTEGER and above it compares as above it.
 */
function scanNumber(input: Uint8Array, position: number, end: number, field: number): boolean {
  let at = position;
  let value = 0;
  while (at < end && (CLASS[input[at]] & DIGIT) !== 0) {
    value = value * 10 + (input[at] - 0x30);
    at++;
  }
  const digits = at - position;
  if (digits === 0 || digits > 16 || (digits > 1 && input[position] === 0x30)) return false;
  const next = at < end ? input[at] : 0;
  if (next === 0x2e || next === 0x65 || next === 0x45) return false;
  starts[field] = position;
  ends[field] = at;
  numbers[field] = value;
  cursor = at;
  return true;
}

function scanBoolean(input: Uint8Array, position: number, end: number, field: number): boolean {
  if (literalAt(input, position, end, 'true')) {
    numbers[field] = 1;
    cursor = position + 4;
  } else if (literalAt(input, position, end, 'false')) {
    numbers[field] = 0;
    cursor = position + 5;
  } else {
    return false;
  }
  return true;
}

function scanNull(input: Uint8Array, position: number, end: number, field: number): boolean {
  if (!literalAt(input, position, end, 'null')) return false;
  starts[field] = NO_VALUE;
  ends[field] = NO_VALUE;
  cursor = position + 4;
  return true;
}

function literalAt(input: Uint8Array, position: number, end: number, literal: string): boolean {
  if (position + literal.length > end) return false;
  for (let index = 0; index < literal.length; index++) {
    if (input[position + index] !== literal.charCodeAt(index)) return false;
  }
  // A literal is followed by a delimiter, never by more letters (`truex` is not JSON).
  const next = position + literal.length < end ? input[position + literal.length] : 0;
  return (CLASS[next] & ALNUM) === 0;
}

/** `meta`: an object of string values, recorded entry by entry (its validity is checked in `valid`). */
function scanMeta(input: Uint8Array, position: number, end: number, field: number): boolean {
  let at = skipWhitespace(input, position + 1, end);
  if (byteAt(input, at, end) !== CLOSE_BRACE) {
    for (;;) {
      if (metaCount === MAX_META_ENTRIES) return false;
      if (byteAt(input, at, end) !== QUOTE || !scanString(input, at + 1, end)) return false;
      const slot = metaCount * 4;
      metaRanges[slot] = at + 1;
      metaRanges[slot + 1] = cursor - 1;
      at = skipWhitespace(input, cursor, end);
      if (byteAt(input, at, end) !== COLON) return false;
      at = skipWhitespace(input, at + 1, end);
      if (byteAt(input, at, end) !== QUOTE || !scanString(input, at + 1, end)) return false;
      metaRanges[slot + 2] = at + 1;
      metaRanges[slot + 3] = cursor - 1;
      metaCount++;
      at = skipWhitespace(input, cursor, end);
      const next = byteAt(input, at, end);
      if (next === CLOSE_BRACE) break;
      if (next !== COMMA) return false;
      at = skipWhitespace(input, at + 1, end);
    }
  }
  starts[field] = position;
  ends[field] = at + 1;
  cursor = at + 1;
  return true;
}

/** Every rule of `parseUsageEvent`, for the values the scan recorded (all printable ASCII). */
function valid(input: Uint8Array, latestOccurredAtMs: number): boolean {
  if (numbers[FIELD_V] !== 1 || ends[FIELD_V] - starts[FIELD_V] !== 1) return false;
  if (!validId(input, starts[FIELD_ID], ends[FIELD_ID])) return false;
  const occurredAtMs = instantMs(input, starts[FIELD_OCCURRED_AT], ends[FIELD_OCCURRED_AT]);
  if (Number.isNaN(occurredAtMs) || occurredAtMs < OCCURRED_AT_MIN_MS || occurredAtMs > latestOccurredAtMs) {
    return false;
  }
  numbers[FIELD_OCCURRED_AT] = occurredAtMs;
  if (!identifier(input, starts[FIELD_GATEWAY_ID], ends[FIELD_GATEWAY_ID])) return false;
  const keyEmpty = ends[FIELD_KEY_ID] === starts[FIELD_KEY_ID];
  const customerEmpty = ends[FIELD_CUSTOMER_ID] === starts[FIELD_CUSTOMER_ID];
  if (keyEmpty !== customerEmpty) return false;
  if (!keyEmpty && !identifier(input, starts[FIELD_KEY_ID], ends[FIELD_KEY_ID])) return false;
  if (!customerEmpty && !identifier(input, starts[FIELD_CUSTOMER_ID], ends[FIELD_CUSTOMER_ID])) return false;
  if (!validMethod(input, starts[FIELD_METHOD], ends[FIELD_METHOD])) return false;
  if (!validRoute(input, starts[FIELD_ROUTE], ends[FIELD_ROUTE])) return false;
  const status = numbers[FIELD_STATUS];
  if (status < 100 || status > 599) return false;
  if (numbers[FIELD_LATENCY_MS] > LIMITS.latencyMsMax) return false;
  if (numbers[FIELD_REQUEST_BYTES] > LIMITS.bytesMax || numbers[FIELD_RESPONSE_BYTES] > LIMITS.bytesMax)
    return false;
  if (!canonicalUnits(input, starts[FIELD_UNITS], ends[FIELD_UNITS])) return false;
  if (!validClientIp(input, starts[FIELD_CLIENT_IP], ends[FIELD_CLIENT_IP])) return false;
  // userAgent: printable ASCII (no control characters), one code point per byte.
  if (ends[FIELD_USER_AGENT] - starts[FIELD_USER_AGENT] > LIMITS.userAgentMaxLength) return false;
  const outcome = outcomeOf(input, starts[FIELD_OUTCOME], ends[FIELD_OUTCOME]);
  if (outcome === UNIDENTIFIED_ERROR_OUTCOME) return false;
  if (outcome === UPSTREAM_ERROR ? status < 500 : outcome !== FORWARDED && (status < 400 || status > 499)) {
    return false;
  }
  if (numbers[FIELD_BILLABLE] !== (outcome === FORWARDED && status < 500 ? 1 : 0)) return false;
  if (keyEmpty && outcome !== REJECTED_AUTH) return false;
  // country and meta: NO_VALUE when absent or null (reset before each scan).
  if (starts[FIELD_COUNTRY] !== NO_VALUE && !validCountry(input, starts[FIELD_COUNTRY], ends[FIELD_COUNTRY]))
    return false;
  return validMeta(input);
}

function validId(input: Uint8Array, from: number, to: number): boolean {
  if (to - from !== 26 || input[from] < 0x30 || input[from] > 0x37) return false;
  for (let at = from + 1; at < to; at++) {
    if ((CLASS[input[at]] & CROCKFORD) === 0) return false;
  }
  return true;
}

/** Epoch ms of `YYYY-MM-DDTHH:MM:SS.mmmZ`, or NaN when not that form or not a calendar date and time. */
function instantMs(input: Uint8Array, from: number, to: number): number {
  if (to - from !== 24) return Number.NaN;
  for (let index = 0; index < 24; index++) {
    const code = input[from + index];
    const separator = SEPARATORS[index];
    if (separator === 0 ? (CLASS[code] & DIGIT) === 0 : code !== separator) return Number.NaN;
  }
  const year = digits(input, from, 4);
  const month = digits(input, from + 5, 2);
  const day = digits(input, from + 8, 2);
  const hour = digits(input, from + 11, 2);
  const minute = digits(input, from + 14, 2);
  const second = digits(input, from + 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, digits(input, from + 20, 3));
}

/** The fixed characters of the canonical instant by position (0: a digit goes there). */
const SEPARATORS = Uint8Array.from('0000-00-00T00:00:00.000Z', (character) =>
  character === '0' ? 0 : character.charCodeAt(0),
);

function digits(input: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at++) value = value * 10 + (input[at] - 0x30);
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}` */
function identifier(input: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length < 1 || length > LIMITS.identifierMaxLength || (CLASS[input[from]] & ALNUM) === 0) return false;
  for (let at = from + 1; at < to; at++) {
    if ((CLASS[input[at]] & (ALNUM | IDENTIFIER_PUNCT)) === 0) return false;
  }
  return true;
}

/** `[A-Z]{1,16}` */
function validMethod(input: Uint8Array, from: number, to: number): boolean {
  if (to - from < 1 || to - from > LIMITS.methodMaxLength) return false;
  for (let at = from; at < to; at++) {
    if ((CLASS[input[at]] & UPPER) === 0) return false;
  }
  return true;
}

/** `*`, or `/` then no whitespace, `?` or `#` (control characters never reach here); at most 256 long. */
function validRoute(input: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length === 1 && input[from] === 0x2a) return true;
  if (length < 1 || length > LIMITS.routeMaxLength || input[from] !== 0x2f) return false;
  for (let at = from + 1; at < to; at++) {
    const code = input[at];
    if (code === 0x20 || code === 0x3f || code === 0x23) return false;
  }
  return true;
}

/** `(?:0|[1-9]\d{0,11})(?:\.\d{0,5}[1-9])?`: units already canonical, so kept as written. */
function canonicalUnits(input: Uint8Array, from: number, to: number): boolean {
  let at = from;
  if (at === to || (CLASS[input[at]] & DIGIT) === 0) return false;
  if (input[at] === 0x30) {
    at++;
  } else {
    while (at < to && (CLASS[input[at]] & DIGIT) !== 0) at++;
    if (at - from > LIMITS.unitsIntegerDigitsMax) return false;
  }
  if (at === to) return true;
  if (input[at] !== 0x2e) return false;
  const fractionStart = at + 1;
  at = fractionStart;
  while (at < to && (CLASS[input[at]] & DIGIT) !== 0) at++;
  const fractionDigits = at - fractionStart;
  return (
    at === to &&
    fractionDigits >= 1 &&
    fractionDigits <= LIMITS.unitsFractionDigitsMax &&
    input[to - 1] !== 0x30
  );
}

/** A dotted-quad IPv4 address read in place; anything else (IPv6) through `isIpAddress`. */
function validClientIp(input: Uint8Array, from: number, to: number): boolean {
  let at = from;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (at >= to || input[at] !== 0x2e) return validOtherIp(input, from, to);
      at++;
    }
    const partStart = at;
    let value = 0;
    while (at < to && at - partStart < 4 && (CLASS[input[at]] & DIGIT) !== 0) {
      value = value * 10 + (input[at] - 0x30);
      at++;
    }
    const length = at - partStart;
    if (length === 0 || length > 3 || value > 255 || (length > 1 && input[partStart] === 0x30)) {
      return validOtherIp(input, from, to);
    }
  }
  return at === to || validOtherIp(input, from, to);
}

function validOtherIp(input: Uint8Array, from: number, to: number): boolean {
  if (to - from > 45) return false;
  return isIpAddress(Buffer.from(input.buffer, input.byteOffset + from, to - from).toString('latin1'));
}

function outcomeOf(input: Uint8Array, from: number, to: number): number {
  for (let index = 0; index < OUTCOME_NAMES.length; index++) {
    if (sameBytes(input, from, to, OUTCOME_NAMES[index])) return index;
  }
  return UNIDENTIFIED_ERROR_OUTCOME;
}

/** `[A-Z]{2}` */
function validCountry(input: Uint8Array, from: number, to: number): boolean {
  return to - from === 2 && (CLASS[input[from]] & UPPER) !== 0 && (CLASS[input[from + 1]] & UPPER) !== 0;
}

/** Keys `[A-Za-z][A-Za-z0-9_.-]{0,63}`, each once; values at most 256 characters. */
function validMeta(input: Uint8Array): boolean {
  if (starts[FIELD_META] === NO_VALUE) return true;
  for (let entry = 0; entry < metaCount; entry++) {
    const slot = entry * 4;
    const from = metaRanges[slot];
    const to = metaRanges[slot + 1];
    const length = to - from;
    if (length < 1 || length > LIMITS.metaKeyMaxLength || (CLASS[input[from]] & (UPPER | LOWER)) === 0) {
      return false;
    }
    for (let at = from + 1; at < to; at++) {
      if ((CLASS[input[at]] & (ALNUM | META_PUNCT)) === 0) return false;
    }
    if (metaRanges[slot + 3] - metaRanges[slot + 2] > LIMITS.metaValueMaxLength) return false;
    // A repeated key: JSON.parse keeps the last value at the first position; the full path handles that.
    for (let earlier = 0; earlier < entry; earlier++) {
      const other = earlier * 4;
      if (sameRange(input, from, to, metaRanges[other], metaRanges[other + 1])) return false;
    }
  }
  return true;
}

function sameRange(input: Uint8Array, from: number, to: number, otherFrom: number, otherTo: number): boolean {
  if (to - from !== otherTo - otherFrom) return false;
  for (let index = 0; index < to - from; index++) {
    if (input[from + index] !== input[otherFrom + index]) return false;
  }
  return true;
}

/** The compact payload: `[1,"id",…,billable]`, then country (or null) and meta when present. */
function write(input: Uint8Array, out: ByteWriter): void {
  // Brackets, and per field at most a comma, two quotes and `false` or `null`; then the copied text.
  let size = 2 + FIELD_COUNT * 8;
  for (let field = 1; field < FIELD_COUNT; field++) {
    if (field !== FIELD_BILLABLE && starts[field] !== NO_VALUE) size += ends[field] - starts[field];
  }
  if (starts[FIELD_META] !== NO_VALUE) size += metaCount * 6;
  out.reserve(size);
  const bytes = out.bytes;
  let at = out.length;
  bytes[at++] = OPEN_BRACKET;
  bytes[at++] = 0x31;
  for (let field = 1; field <= FIELD_BILLABLE; field++) {
    bytes[at++] = COMMA;
    if (field === FIELD_BILLABLE) {
      at = copyText(bytes, at, numbers[field] === 1 ? TRUE : FALSE);
    } else if (isNumberField(field)) {
      at = copy(input, starts[field], ends[field], bytes, at);
    } else {
      bytes[at++] = QUOTE;
      at = copy(input, starts[field], ends[field], bytes, at);
      bytes[at++] = QUOTE;
    }
  }
  const hasCountry = starts[FIELD_COUNTRY] !== NO_VALUE;
  if (starts[FIELD_META] !== NO_VALUE) {
    bytes[at++] = COMMA;
    at = hasCountry ? quoted(input, FIELD_COUNTRY, bytes, at) : copyText(bytes, at, NULL);
    bytes[at++] = COMMA;
    bytes[at++] = OPEN_BRACE;
    for (let entry = 0; entry < metaCount; entry++) {
      const slot = entry * 4;
      if (entry > 0) bytes[at++] = COMMA;
      bytes[at++] = QUOTE;
      at = copy(input, metaRanges[slot], metaRanges[slot + 1], bytes, at);
      bytes[at++] = QUOTE;
      bytes[at++] = COLON;
      bytes[at++] = QUOTE;
      at = copy(input, metaRanges[slot + 2], metaRanges[slot + 3], bytes, at);
      bytes[at++] = QUOTE;
    }
    bytes[at++] = CLOSE_BRACE;
  } else if (hasCountry) {
    bytes[at++] = COMMA;
    at = quoted(input, FIELD_COUNTRY, bytes, at);
  }
  bytes[at++] = CLOSE_BRACKET;
  out.length = at;
}

const TRUE = Buffer.from('true', 'latin1');
const FALSE = Buffer.from('false', 'latin1');
const NULL = Buffer.from('null', 'latin1');

function isNumberField(field: number): boolean {
  return (
    field === FIELD_STATUS ||
    field === FIELD_LATENCY_MS ||
    field === FIELD_REQUEST_BYTES ||
    field === FIELD_RESPONSE_BYTES
  );
}

function quoted(input: Uint8Array, field: number, bytes: Uint8Array, at: number): number {
  bytes[at] = QUOTE;
  const next = copy(input, starts[field], ends[field], bytes, at + 1);
  bytes[next] = QUOTE;
  return next + 1;
}

function copy(input: Uint8Array, from: number, to: number, bytes: Uint8Array, at: number): number {
  let target = at;
  for (let source = from; source < to; source++) bytes[target++] = input[source];
  return target;
}

function copyText(bytes: Uint8Array, at: number, text: Uint8Array): number {
  for (let index = 0; index < text.length; index++) bytes[at + index] = text[index];
  return at + text.length;
}
