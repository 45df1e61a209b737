import fc from 'fast-check';
import { ALL_CORRUPTIONS, corrupt, validUsageEventArb } from '../../test/usage-event.arbitraries';
import {
  ByteWriter,
  decodeUsageEvent,
  encodeUsageEventJson,
  parseUsageEvent,
  scanCompactUsageEvent,
  scannedEventId,
  scannedFields,
  scannedOccurredAtMs,
  scanUsageEvent,
  USAGE_EVENT_LIMITS,
  USAGE_EVENT_V1_FIELDS,
  type ScannedUsageEvent,
  type UsageEventV1,
} from '..';

const NOW = new Date('2100-01-01T00:00:00.000Z');
const LATEST_MS = NOW.getTime() + USAGE_EVENT_LIMITS.maxFutureSkewMs;

interface Scan {
  readonly taken: boolean;
  readonly payload: string;
  readonly end: number;
  readonly id: string;
  readonly key: string;
}

/** The fast path on `text` (after `prefix` bytes already in the writer, which it must leave alone). */
function scan(text: string, latestMs = LATEST_MS): Scan {
  const input = Buffer.from(text, 'utf8');
  const out = new ByteWriter(16);
  out.string('prefix');
  const found: ScannedUsageEvent = { end: -7, idStart: -7, keyStart: -7, keyEnd: -7 };
  const taken = scanUsageEvent(input, 0, input.length, latestMs, out, found);
  const written = Buffer.from(out.view());
  expect(written.subarray(0, 6).toString()).toBe('prefix');
  if (!taken) expect(written.length).toBe(6);
  return {
    taken,
    payload: written.subarray(6).toString('utf8'),
    end: found.end,
    id: taken ? input.toString('latin1', found.idStart, found.idStart + 26) : '',
    key:
      taken && found.keyStart >= 0 ? input.toString('latin1', found.keyStart, found.keyEnd) : 'unidentified',
  };
}

/** The full path: JSON.parse, parseUsageEvent, encodeUsageEventJson. */
function full(text: string, now = NOW): { ok: true; event: UsageEventV1; payload: string } | { ok: false } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  const result = parseUsageEvent(value, { now });
  return result.ok
    ? { ok: true, event: result.event, payload: encodeUsageEventJson(result.event) }
    : { ok: false };
}

/** Taken by the fast path ⇒ valid for the full path, with the same payload bytes, id and key. */
function expectAgreement(text: string): Scan {
  const fast = scan(text);
  if (fast.taken) {
    const reference = full(text.slice(0, fast.end));
    expect(reference.ok).toBe(true);
    if (reference.ok) {
      expect(fast.payload).toBe(reference.payload);
      expect(fast.id).toBe(reference.event.id);
      expect(fast.key).toBe(reference.event.keyId || reference.event.customerId || 'unidentified');
    }
  }
  return fast;
}

/** JSON text without escapes or non-ASCII characters: what the fast path is for. */
function plain(text: string): boolean {
  return !/[\\\u0080-\uffff]/.test(text);
}

/** Printable ASCII without quote and backslash (written as is in JSON). */
function plainString(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '_');
}

/** Valid events whose strings need no escapes and are ASCII (the arbitrary's user agents and meta are binary). */
const plainEventArb = validUsageEventArb.map((event) => {
  const plainEvent: UsageEventV1 = { ...event, userAgent: plainString(event.userAgent) };
  if (event.meta !== undefined) {
    plainEvent.meta = Object.fromEntries(
      Object.entries(event.meta).map(([key, value]) => [key, plainString(value)]),
    );
  }
  return plainEvent;
});

const gatewayEvent: UsageEventV1 = {
  v: 1,
  id: '01JDQ4Z8K3M2N5P6Q7R8S9T0VW',
  occurredAt: '2026-11-29T10:00:00.123Z',
  gatewayId: 'gw-eu-1',
  keyId: 'key_1',
  customerId: 'cus_1',
  method: 'GET',
  route: '/v1/quotes/:symbol',
  status: 200,
  latencyMs: 12,
  requestBytes: 230,
  responseBytes: 1840,
  units: '1.5',
  clientIp: '203.0.113.9',
  userAgent: 'bench/1.0 (x; y)',
  outcome: 'forwarded',
  billable: true,
};

/** `text` rewritten from its parsed value; unchanged when an earlier edit made it other than a JSON object. */
function reformatted(text: string, write: (value: object) => string): string {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? write(value) : text;
  } catch {
    return text;
  }
}

/** Edits of an event's JSON text that keep it JSON but may change what it means or how it is written. */
const textEdits: readonly ((text: string) => string)[] = [
  (text) => text.replace('"v":1', '"\\u0076":1'),
  (text) => text.replace(/"status":(\d+)/, '"status":$1.0'),
  (text) => text.replace(/"status":(\d+)/, '"status":$1e0'),
  (text) => text.replace(/"latencyMs":(\d+)/, '"latencyMs":-0'),
  (text) => text.replace(/"latencyMs":(\d+)/, '"latencyMs":0$1'),
  (text) => text.replace(/"units":"([^"]*)"/, '"units":"$10"'),
  (text) => text.replace(/"units":"(\d+)"/, '"units":$1'),
  (text) => text.replace(/"id":"([^"]*)"/, (_, id: string) => `"id":"${id.toLowerCase()}"`),
  (text) => text.replace(/"occurredAt":"([^"]*)\.(\d{3})Z"/, '"occurredAt":"$1.$2+00:00"'),
  (text) => text.replace(/"occurredAt":"([^"]*)\.(\d{3})Z"/, '"occurredAt":"$1Z"'),
  (text) => text.replace(/"gatewayId":"/, '"gatewayId":"\\u0041'),
  (text) => text.replace(/"userAgent":"/, '"userAgent":"caf\u00e9 '),
  (text) => text.replace(/"userAgent":"/, '"userAgent":"\\"q\\" '),
  (text) => text.replace(/}$/, ',"status":201}'),
  (text) => text.replace(/}$/, ',"billable":false}'),
  (text) => text.replace(/}$/, ',"extra":1}'),
  (text) => text.replace(/}$/, ',"country":null,"meta":null}'),
  (text) => text.replace(/}$/, ',"meta":{"a":"1","a":"2"}}'),
  (text) => text.replace(/}$/, ',"meta":{"region":"eu","b.c":"x y"}}'),
  (text) => text.replace(/}$/, ',"meta":{}}'),
  (text) => text.replace(/}$/, ',"country":"DE"}'),
  (text) => text.replace(/}$/, ',"country":"de"}'),
  (text) => text.replace(/"clientIp":"[^"]*"/, '"clientIp":"2001:db8::1"'),
  (text) => text.replace(/"clientIp":"[^"]*"/, '"clientIp":"01.2.3.4"'),
  (text) => text.replace(/"clientIp":"[^"]*"/, '"clientIp":"1.2.3.4.5"'),
  (text) => text.replace(/"clientIp":"[^"]*"/, '"clientIp":"::ffff:1.2.3.4"'),
  (text) => text.replace(/"billable":(true|false)/, '"billable":$1 '),
  (text) => text.replace(/"billable":(true|false)/, '"billable":"$1"'),
  (text) => text.replace(/"route":"/, '"route":"/a?b'),
  (text) => text.replace(/,/g, ' ,\n\t'),
  (text) => text.replace(/:/g, ' : '),
  (text) => reformatted(text, (value) => JSON.stringify(value, null, 2)),
  (text) => reformatted(text, (value) => JSON.stringify(Object.fromEntries(Object.entries(value).reverse()))),
  (text) => text.replace(/"outcome":"[^"]*"/, '"outcome":"upstream_error"'),
  (text) => text.replace(/"keyId":"[^"]*"/, '"keyId":""'),
  (text) => text.replace(/"keyId":"[^"]*","customerId":"[^"]*"/, '"keyId":"","customerId":""'),
  (text) => text.replace(/"occurredAt":"\d{4}/, '"occurredAt":"2101'),
  (text) => text.replace(/"occurredAt":"\d{4}/, '"occurredAt":"1999'),
  (text) => text.replace(/"occurredAt":"\d{4}-\d{2}-\d{2}/, '"occurredAt":"2024-02-30'),
  (text) => text.replace(/"requestBytes":\d+/, '"requestBytes":9007199254740991'),
  (text) => text.replace(/"requestBytes":\d+/, '"requestBytes":9007199254740992'),
];

/** Edits that may break the JSON itself. */
const byteEdits = fc.oneof(
  fc.nat().map((at) => (text: string) => text.slice(0, at % (text.length + 1))),
  fc
    .tuple(fc.nat(), fc.constantFrom('"', '\\', ',', '}', '{', ']', ' ', '\n', 'x', '0', '\u0000', '\u00ff'))
    .map(([at, character]) => (text: string) => {
      const position = at % (text.length + 1);
      return text.slice(0, position) + character + text.slice(position);
    }),
  fc.nat().map((at) => (text: string) => {
    const position = at % Math.max(1, text.length);
    return text.slice(0, position) + text.slice(position + 1);
  }),
);

describe('scanUsageEvent (the ingestion fast path)', () => {
  it("takes a gateway's event and writes exactly the bytes of the full path", () => {
    const text = JSON.stringify(gatewayEvent);
    const fast = scan(text);
    expect(fast).toEqual({
      taken: true,
      payload: encodeUsageEventJson(gatewayEvent),
      end: text.length,
      id: gatewayEvent.id,
      key: 'key_1',
    });
  });

  it('writes country and meta as the encoder does, and stops at the end of the object', () => {
    const withBoth = { ...gatewayEvent, country: 'DE', meta: { region: 'eu-1', tier: 'gold' } };
    const withMeta = { ...gatewayEvent, meta: {} };
    const withCountry = { ...gatewayEvent, country: 'FR' };
    for (const event of [withBoth, withMeta, withCountry]) {
      const text = JSON.stringify(event);
      expect(scan(`${text} ,[1]`)).toMatchObject({
        taken: true,
        payload: encodeUsageEventJson(event),
        end: text.length,
      });
    }
  });

  it('declines what only the full validator can word: an invalid event, a future or lower-case one', () => {
    expect(scan(JSON.stringify({ ...gatewayEvent, status: 600 })).taken).toBe(false);
    expect(scan(JSON.stringify({ ...gatewayEvent, id: gatewayEvent.id.toLowerCase() })).taken).toBe(false);
    const latest = Date.parse(gatewayEvent.occurredAt) - 1;
    expect(scan(JSON.stringify(gatewayEvent), latest).taken).toBe(false);
    expect(scan(JSON.stringify(gatewayEvent), latest + 1).taken).toBe(true);
  });

  it('does not read past the end it is given', () => {
    const text = JSON.stringify(gatewayEvent);
    const input = Buffer.from(`${text}\n`);
    const found: ScannedUsageEvent = { end: 0, idStart: 0, keyStart: 0, keyEnd: 0 };
    expect(scanUsageEvent(input, 0, text.length - 1, LATEST_MS, new ByteWriter(), found)).toBe(false);
    expect(scanUsageEvent(input, 0, text.length, LATEST_MS, new ByteWriter(), found)).toBe(true);
  });

  it('takes every valid event written plainly, with the bytes, id and key of the full path', () => {
    fc.assert(
      fc.property(fc.oneof(plainEventArb, validUsageEventArb), (event) => {
        const text = JSON.stringify(event);
        const fast = expectAgreement(text);
        if (plain(text)) expect(fast.taken).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never takes an event the full path refuses or encodes differently, whatever the edits to its text', () => {
    const corruptionArb = fc.option(fc.constantFrom(...ALL_CORRUPTIONS), { nil: undefined });
    const editsArb = fc.array(fc.constantFrom(...textEdits), { maxLength: 3 });
    fc.assert(
      fc.property(
        fc.oneof(plainEventArb, validUsageEventArb),
        corruptionArb,
        editsArb,
        (event, corruption, edits) => {
          let text = JSON.stringify(corruption === undefined ? event : corrupt(event, corruption));
          for (const edit of edits) text = edit(text);
          expectAgreement(text);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never takes broken JSON, nor JSON that means another event', () => {
    fc.assert(
      fc.property(plainEventArb, fc.array(byteEdits, { minLength: 1, maxLength: 3 }), (event, edits) => {
        let text = JSON.stringify(event);
        for (const edit of edits) text = edit(text);
        expectAgreement(text);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Edits of a compact payload's text: other spellings, other element counts, other values. */
const compactEdits: readonly ((text: string) => string)[] = [
  (text) => text.replace(/^\[1,/, '[2,'),
  (text) => text.replace(/^\[1,/, '[1.0,'),
  (text) => text.replace(/^\[1,/, '[ 1 ,\n'),
  (text) => text.replace(/,/g, ' , '),
  (text) => ` ${text}\t`,
  (text) => `${text}x`,
  (text) => `${text},`,
  (text) => text.replace(/,(\d+),/, ',$1.0,'),
  (text) => text.replace(/,(\d+),/, ',0$1,'),
  (text) => text.replace(/,(\d+),/, ',-$1,'),
  (text) => text.replace(/^\[1,"([^"]*)"/, (_, id: string) => `[1,"${id.toLowerCase()}"`),
  (text) => text.replace(/\.(\d{3})Z"/, '.$1+00:00"'),
  (text) => text.replace(/"(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|PROPFIND)"/, 'null'),
  (text) => text.replace(/,(true|false)/, ',null'),
  (text) => text.replace(/,(true|false)/, ',"$1"'),
  (text) => text.replace(/,[^,]*\]$/, ']'),
  (text) => text.replace(/\]$/, ',null]'),
  (text) => text.replace(/\]$/, ',null,null]'),
  (text) => text.replace(/\]$/, ',null,null,1]'),
  (text) => text.replace(/\]$/, ',"DE"]'),
  (text) => text.replace(/\]$/, ',"de"]'),
  (text) => text.replace(/\]$/, ',null,{"region":"eu","b.c":"x y"}]'),
  (text) => text.replace(/\]$/, ',"NZ",{}]'),
  (text) => text.replace(/\]$/, ',null,{"a":"1","a":"2"}]'),
  (text) => text.replace(/\]$/, ',null,{"1a":"1"}]'),
  (text) => text.replace(/"forwarded"|"rate_limited"|"rejected_auth"/, '"upstream_error"'),
  (text) => text.replace(/"([^"]*)","([^"]*)","[A-Z]+"/, '"","","GET"'),
  (text) => text.replace(/"\d{4}-\d{2}-\d{2}T/, '"2024-02-30T'),
  (text) => text.replace(/"\d{4}-\d{2}-\d{2}T/, '"2023-02-29T'),
  (text) => text.replace(/"\d{4}-/, '"1999-'),
  (text) => text.replace(/,"[^"]*",(\d+),/, ',"\\u0041",$1,'),
  (text) => reformatted(text, (value) => JSON.stringify(value, null, 1)),
];

/** The compact payload of an event (or of a corrupted record): fields in order, as encodeUsageEvent writes. */
function compactText(event: Record<string, unknown>): string {
  const values = USAGE_EVENT_V1_FIELDS.map((field) => event[field]);
  while (values.length > 17 && values[values.length - 1] === undefined) values.pop();
  return JSON.stringify(values.map((value) => (value === undefined ? null : value)));
}

/** Taken by the compact scan ⇒ decodeUsageEvent accepts it and every field's text is the decoded value's. */
function expectCompactAgreement(text: string): boolean {
  const input = Buffer.from(text, 'utf8');
  const taken = scanCompactUsageEvent(input, 0, input.length);
  if (!taken) return false;
  const decoded = decodeUsageEvent(input);
  expect(decoded.ok).toBe(true);
  if (!decoded.ok) return true;
  const event = decoded.event as unknown as Record<string, unknown>;
  expect(scannedEventId(input)).toBe(decoded.event.id);
  expect(scannedOccurredAtMs()).toBe(Date.parse(decoded.event.occurredAt));
  const { starts, ends, numbers } = scannedFields;
  USAGE_EVENT_V1_FIELDS.forEach((field, index) => {
    const value = event[field];
    if (field === 'billable') expect(numbers[index]).toBe(value ? 1 : 0);
    else if (field === 'meta') expect(starts[index] === -1).toBe(value === undefined);
    else if (value === undefined) expect(starts[index]).toBe(-1);
    else {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      expect(input.toString('latin1', starts[index], ends[index])).toBe(text);
    }
  });
  return true;
}

describe('scanCompactUsageEvent (the ingestor fast path)', () => {
  it("takes a gateway's event and finds every field's text", () => {
    const text = encodeUsageEventJson({ ...gatewayEvent, country: 'DE', meta: { region: 'eu' } });
    expect(expectCompactAgreement(text)).toBe(true);
    expect(expectCompactAgreement(encodeUsageEventJson(gatewayEvent))).toBe(true);
  });

  it('does not read past the end it is given', () => {
    const text = encodeUsageEventJson(gatewayEvent);
    const input = Buffer.from(`${text}]`);
    expect(scanCompactUsageEvent(input, 0, text.length - 1)).toBe(false);
    expect(scanCompactUsageEvent(input, 0, text.length)).toBe(true);
    expect(scanCompactUsageEvent(input, 0, text.length + 1)).toBe(false);
  });

  it('takes the payload of every valid event written plainly, and finds the fields the decoder reads', () => {
    fc.assert(
      fc.property(fc.oneof(plainEventArb, validUsageEventArb), (event) => {
        const text = encodeUsageEventJson(event);
        const taken = expectCompactAgreement(text);
        if (plain(text)) expect(taken).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never takes a payload the decoder refuses or reads differently, whatever the edits to its text', () => {
    const corruptionArb = fc.option(fc.constantFrom(...ALL_CORRUPTIONS), { nil: undefined });
    fc.assert(
      fc.property(
        fc.oneof(plainEventArb, validUsageEventArb),
        corruptionArb,
        fc.array(fc.constantFrom(...compactEdits), { maxLength: 3 }),
        (event, corruption, edits) => {
          let text = compactText(corruption === undefined ? { ...event } : corrupt(event, corruption));
          for (const edit of edits) text = edit(text);
          expectCompactAgreement(text);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never takes broken JSON, nor JSON that means another event', () => {
    fc.assert(
      fc.property(plainEventArb, fc.array(byteEdits, { minLength: 1, maxLength: 3 }), (event, edits) => {
        let text = encodeUsageEventJson(event);
        for (const edit of edits) text = edit(text);
        expectCompactAgreement(text);
      }),
      { numRuns: 2000 },
    );
  });
});
