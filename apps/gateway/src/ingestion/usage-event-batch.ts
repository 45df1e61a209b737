import {
  ByteWriter,
  encodeUsageEventJson,
  scanUsageEvent,
  skipWhitespace,
  type ScannedUsageEvent,
  type UsageEventV1,
} from '@keymeter/contracts';
import { UNIDENTIFIED_EVENT_KEY, usageEventKey, type EncodedUsageEventBatch } from '@keymeter/event-sink';
import type { EventError } from './ingestion-result';
import type { BodyItem } from './request-body';

/** An item validated by the full path: the event, or its errors (indexed). */
export type ParsedItem = { ok: true; event: UsageEventV1 } | { ok: false; errors: EventError[] };

const NEWLINE = 0x0a;
const ULID_LENGTH = 26;
const UNIDENTIFIED_KEY_BYTES = Buffer.from(UNIDENTIFIED_EVENT_KEY, 'latin1');

/**
 * The accepted events of one request, encoded as the sink takes them (`EncodedUsageEventBatch`), with the
 * request's counts and per-event errors. Events come either from the fast path (`scan`: read from the
 * body's bytes, see `scanUsageEvent`) or from the full path (`add`: a parsed item, validated by `parse`).
 * Repeats of an id within the request are collapsed or refused as `IngestionService.ingest` does; two valid
 * events are the same exactly when their compact payloads are (the payload is a one-to-one function of the
 * canonical event), so payload bytes are compared.
 */
export class UsageEventBatchBuilder {
  /** Items seen so far (the index of the next one). */
  items = 0;
  count = 0;
  duplicates = 0;
  rejected = 0;
  readonly errors: EventError[] = [];
  /** Items that took the fast path. */
  scanned = 0;
  private readonly payloads: ByteWriter;
  private readonly keys: ByteWriter;
  /** First index and payload range of each event id in this request. */
  private readonly seen = new Map<string, { index: number; start: number; end: number }>();
  private readonly found: ScannedUsageEvent = { end: 0, idStart: 0, keyStart: 0, keyEnd: 0 };

  constructor(
    private readonly body: Buffer,
    private readonly latestOccurredAtMs: number,
    private readonly parse: (item: BodyItem, index: number) => ParsedItem,
  ) {
    this.payloads = new ByteWriter(body.length);
    this.keys = new ByteWriter(Math.max(1024, body.length >>> 4));
  }

  /**
   * The fast path for the object at `start`: returns the position after it when it was taken (counted as
   * the next item), or -1 when the caller must give this item to `add`. With `exactEnd`, the object must
   * end at `end` exactly (an NDJSON line), else nothing is taken.
   */
  scan(start: number, end: number, exactEnd: boolean): number {
    const found = this.found;
    const payloadStart = this.payloads.length;
    if (!scanUsageEvent(this.body, start, end, this.latestOccurredAtMs, this.payloads, found)) return -1;
    if (exactEnd && found.end !== end) {
      this.payloads.length = payloadStart;
      return -1;
    }
    this.scanned++;
    const index = this.items++;
    const id = this.body.toString('latin1', found.idStart, found.idStart + ULID_LENGTH);
    if (this.keep(index, id, payloadStart)) {
      if (found.keyStart < 0) this.keyBytes(UNIDENTIFIED_KEY_BYTES, 0, UNIDENTIFIED_KEY_BYTES.length);
      else this.keyBytes(this.body, found.keyStart, found.keyEnd);
    }
    return found.end;
  }

  /** The full path for one item. */
  add(item: BodyItem): void {
    const index = this.items++;
    const parsed = this.parse(item, index);
    if (!parsed.ok) {
      this.rejected++;
      this.errors.push(...parsed.errors);
      return;
    }
    const payloadStart = this.payloads.length;
    this.payloads.string(encodeUsageEventJson(parsed.event));
    if (this.keep(index, parsed.event.id, payloadStart)) {
      this.keys.string(usageEventKey(parsed.event));
      this.keys.byte(NEWLINE);
    }
  }

  batch(): EncodedUsageEventBatch {
    return { count: this.count, keys: this.keys.view(), payloads: this.payloads.view() };
  }

  /** Keeps the payload just written (from `start`) unless its id was seen; then it is a duplicate or an error. */
  private keep(index: number, id: string, start: number): boolean {
    const payloads = this.payloads;
    const end = payloads.length;
    const earlier = this.seen.get(id);
    if (earlier === undefined) {
      this.seen.set(id, { index, start, end });
      payloads.byte(NEWLINE);
      this.count++;
      return true;
    }
    const same =
      Buffer.compare(
        payloads.bytes.subarray(earlier.start, earlier.end),
        payloads.bytes.subarray(start, end),
      ) === 0;
    payloads.length = start;
    if (same) {
      this.duplicates++;
    } else {
      this.rejected++;
      this.errors.push({
        index,
        field: 'id',
        reason: `repeats the id of the event at index ${earlier.index} with different content`,
      });
    }
    return false;
  }

  private keyBytes(source: Uint8Array, from: number, to: number): void {
    const keys = this.keys;
    keys.reserve(to - from + 1);
    const bytes = keys.bytes;
    let at = keys.length;
    for (let index = from; index < to; index++) bytes[at++] = source[index];
    bytes[at++] = NEWLINE;
    keys.length = at;
  }
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Reads a JSON array body item by item into `builder`. Returns false when the body must instead go the
 * full way (`parseJsonBody`, which also words the error, then the event limit): it is not an array, it is
 * empty, it is not valid JSON, or it holds more than `maxEvents` items. The builder is then to be discarded.
 */
export function frameJsonArray(body: Buffer, builder: UsageEventBatchBuilder, maxEvents: number): boolean {
  const end = body.length;
  let position = skipWhitespace(body, 0, end);
  if (position >= end || body[position] !== OPEN_BRACKET) return false;
  position = skipWhitespace(body, position + 1, end);
  if (position >= end || body[position] === CLOSE_BRACKET) return false;
  for (;;) {
    let after = body[position] === OPEN_BRACE ? builder.scan(position, end, false) : -1;
    if (after < 0) {
      // Not for the fast path: this element alone through JSON.parse (an element that does not parse
      // alone means the whole body is not JSON, and the full way says why).
      after = valueEnd(body, position);
      if (after < 0) return false;
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8', position, after));
      } catch {
        return false;
      }
      builder.add({ ok: true, value });
    }
    position = skipWhitespace(body, after, end);
    if (position >= end) return false;
    if (body[position] === CLOSE_BRACKET) break;
    if (body[position] !== COMMA) return false;
    position = skipWhitespace(body, position + 1, end);
  }
  return skipWhitespace(body, position + 1, end) === end && builder.items <= maxEvents;
}

/**
 * Where the JSON value starting at `start` ends: at the first `,` or `]` outside strings and nested
 * brackets. Correct for valid JSON; for anything else the element fails JSON.parse. -1 at the end of input.
 */
function valueEnd(body: Buffer, start: number): number {
  let depth = 0;
  for (let at = start; at < body.length; at++) {
    const code = body[at];
    if (code === QUOTE) {
      at++;
      while (at < body.length && body[at] !== QUOTE) {
        if (body[at] === BACKSLASH) at++;
        at++;
      }
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      depth++;
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      if (depth === 0) return code === CLOSE_BRACKET ? at : -1;
      depth--;
    } else if (code === COMMA && depth === 0) {
      return at;
    }
  }
  return -1;
}

/**
 * Reads an NDJSON body line by line into `builder`, as `parseNdjsonBody` reads it: lines split at `\n`,
 * trimmed, blank ones skipped, a line that is not JSON an item with its error. A line that is one object with
 * only ASCII whitespace around it is tried on the fast path; every other line is decoded and parsed as before.
 * Returns false when there are more than `maxEvents` items.
 */
export function frameNdjson(body: Buffer, builder: UsageEventBatchBuilder, maxEvents: number): boolean {
  const length = body.length;
  let from = 0;
  for (;;) {
    const newline = body.indexOf(NEWLINE, from);
    const lineEnd = newline < 0 ? length : newline;
    let start = from;
    let end = lineEnd;
    while (start < end && isTrimmedAscii(body[start])) start++;
    while (end > start && isTrimmedAscii(body[end - 1])) end--;
    if (start < end) {
      const taken =
        body[start] === OPEN_BRACE && body[end - 1] === CLOSE_BRACE && builder.scan(start, end, true) >= 0;
      if (!taken) ndjsonLine(body.toString('utf8', from, lineEnd), builder);
    }
    if (newline < 0) return builder.items <= maxEvents;
    from = newline + 1;
  }
}

/** What String.prototype.trim removes within ASCII: tab, line feed, vertical tab, form feed, carriage return, space. */
function isTrimmedAscii(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** One line the fast path did not take, exactly as `parseNdjsonBody` handles it. */
function ndjsonLine(line: string, builder: UsageEventBatchBuilder): void {
  const text = line.trim();
  if (text === '') return;
  try {
    builder.add({ ok: true, value: JSON.parse(text) as unknown });
  } catch (error) {
    builder.add({
      ok: false,
      error: {
        index: builder.items,
        field: '',
        reason: `line is not valid JSON: ${(error as Error).message}`,
      },
    });
  }
}
