import fc from 'fast-check';
import { encodeUsageEventJson, type UsageEventV1 } from '@keymeter/contracts';
import {
  usageEventKey,
  type EncodedUsageEventBatch,
  type UsageEventSink,
  type UsageEventSinkStats,
} from '@keymeter/event-sink';
import type { CredentialVerifier } from '@keymeter/gateway';
import { ApiError } from '@keymeter/platform';
import { validUsageEventArb } from '../../../../libs/contracts/test/usage-event.arbitraries';
import { IngestionService, type UsageEventFraming } from './ingestion.service';
import { frameJsonArray, UsageEventBatchBuilder } from './usage-event-batch';

const NOW = new Date('2100-01-01T00:00:00.000Z');
const STATS: UsageEventSinkStats = {
  pending: 0,
  spoolBytes: 0,
  spooledEvents: 0,
  produced: 0,
  producerErrors: 0,
  dropped: 0,
};
const verifier: CredentialVerifier = {
  verifyApiKey: () => ({ ok: false, reason: 'unknown' }),
  verifyIngestToken: () => ({ ok: false, reason: 'unknown' }),
};

/** What a sink was given, as (key, payload) pairs: objects encoded as the sinks encode them, or a batch split. */
type Emitted = { key: string; payload: string }[];

/** A sink without `emitBatchDurably`: the service gives it objects (the path before the fast path). */
function objectSink(emitted: Emitted): UsageEventSink {
  return {
    emit: () => undefined,
    emitDurably: (events: readonly UsageEventV1[]) => {
      for (const event of events)
        emitted.push({ key: usageEventKey(event), payload: encodeUsageEventJson(event) });
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    stats: () => STATS,
    close: () => Promise.resolve(),
  };
}

function batchSink(emitted: Emitted): UsageEventSink {
  return {
    ...objectSink([]),
    emitDurably: () => Promise.reject(new Error('the batch entry point is to be used')),
    emitBatchDurably: (batch: EncodedUsageEventBatch) => {
      const keys = Buffer.from(batch.keys).toString('utf8').split('\n');
      const payloads = Buffer.from(batch.payloads).toString('utf8').split('\n');
      expect(keys).toHaveLength(batch.count + 1);
      expect(payloads).toHaveLength(batch.count + 1);
      for (let index = 0; index < batch.count; index++) {
        emitted.push({ key: keys[index], payload: payloads[index] });
      }
      return Promise.resolve();
    },
  };
}

/** The answer (result or error) and what reached the sink. */
async function ingest(
  sink: (emitted: Emitted) => UsageEventSink,
  body: string,
  framing: UsageEventFraming,
): Promise<{ answer: unknown; emitted: Emitted }> {
  const emitted: Emitted = [];
  const service = new IngestionService({
    sink: sink(emitted),
    verifier,
    now: () => NOW,
    limits: { maxEvents: 40 },
  });
  try {
    return { answer: await service.ingestUsageEvents(Buffer.from(body, 'utf8'), framing), emitted };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { answer: { status: error.getStatus(), body: error.getResponse() }, emitted };
  }
}

/** Edits of an event's text, and whether the fast path is to take the edited event. */
const EDITS: readonly [(text: string) => string, boolean][] = [
  [(text) => text, true],
  [(text) => text.replace(/,/g, ' ,\n '), true],
  [(text) => text.replace(/"status":\d+/, '"status":600'), false],
  [(text) => text.replace(/"id":"([^"]*)"/, (_, id: string) => `"id":"${id.toLowerCase()}"`), false],
  // A leading zero: a trailing one would leave whole units canonical ("12" → "120").
  [(text) => text.replace(/"units":"([^"]*)"/, '"units":"0$1"'), false],
  [(text) => text.replace(/}$/, ',"extra":true}'), false],
  [(text) => text.replace(/"userAgent":"/, '"userAgent":"caf\u00e9'), false],
  [(text) => text.replace(/"keyId":"[^"]*"/, '"keyId":7'), false],
  [() => '42', false],
  [() => '"x"', false],
  [() => '[1, {"a": [2]}]', false],
  [() => '{}', false],
];

/** An event as a sender may write it: canonical, or edited so the full path is needed or refuses it. */
const taggedEventArb = fc
  .tuple(validUsageEventArb, fc.nat({ max: 2 * EDITS.length - 1 }))
  .map(([event, pick]) => {
    const plain: UsageEventV1 = { ...event, userAgent: event.userAgent.replace(/[^\x20-\x7e]|["\\]/g, '_') };
    delete plain.meta;
    // Half of the events unedited.
    const [edit, fast] = EDITS[pick < EDITS.length ? 0 : pick - EDITS.length];
    return { text: edit(JSON.stringify(plain)), fast };
  });
const eventTextArb = taggedEventArb.map(({ text }) => text);

/** A batch: events, some repeated verbatim or with the same id and other content. */
const batchArb = fc
  .array(fc.tuple(eventTextArb, fc.nat(), fc.constantFrom('new', 'new', 'new', 'repeat', 'reuse-id')), {
    minLength: 0,
    maxLength: 45,
  })
  .map((entries) => {
    const texts: string[] = [];
    for (const [text, pick, kind] of entries) {
      const earlier = texts.length === 0 ? undefined : texts[pick % texts.length];
      if (kind === 'repeat' && earlier !== undefined) texts.push(earlier);
      else if (kind === 'reuse-id' && earlier !== undefined && /"id":"[^"]*"/.test(earlier)) {
        texts.push(
          earlier.replace(/"latencyMs":(\d+)/, (_, value: string) => `"latencyMs":${Number(value) + 1}`),
        );
      } else texts.push(text);
    }
    return texts;
  });

/** Whole-body edits: separators and whitespace of either framing, or a body broken somewhere. */
const bodyEditArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant((body: string) => body) },
  { weight: 1, arbitrary: fc.nat().map((at) => (body: string) => body.slice(0, at % (body.length + 1))) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom(',', ']', '}', '\n', ' \u00a0', '\r\n', 'x', '"', '\ufeff'))
      .map(([at, text]) => (body: string) => {
        const position = at % (body.length + 1);
        return body.slice(0, position) + text + body.slice(position);
      }),
  },
);

describe('POST /v1/events with the fast path', () => {
  it('answers and emits exactly as the full path, JSON array or NDJSON (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        fc.constantFrom(', ', ',\n', ','),
        fc.constantFrom('\n', '\r\n', '\n\n  \n', '\n\u00a0\n'),
        bodyEditArb,
        async (texts, comma, newline, edit) => {
          for (const [framing, body] of [
            ['json-array', edit(` [${texts.join(comma)}] `)],
            ['ndjson', edit(texts.join(newline))],
          ] as const) {
            const before = await ingest(objectSink, body, framing);
            const after = await ingest(batchSink, body, framing);
            expect(after).toEqual(before);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('takes canonical events on the fast path and only the others through JSON.parse', () => {
    fc.assert(
      fc.property(fc.array(taggedEventArb, { minLength: 1, maxLength: 20 }), (events) => {
        const body = Buffer.from(`[${events.map(({ text }) => text).join(',')}]`);
        const parsed: unknown[] = [];
        const builder = new UsageEventBatchBuilder(body, NOW.getTime(), (item) => {
          if (item.ok) parsed.push(item.value);
          return { ok: false, errors: [] };
        });
        expect(frameJsonArray(body, builder, 100)).toBe(true);
        expect(builder.items).toBe(events.length);
        expect(builder.scanned).toBe(events.filter(({ fast }) => fast).length);
        expect(parsed).toEqual(
          events.filter(({ fast }) => !fast).map(({ text }) => JSON.parse(text) as unknown),
        );
      }),
    );
  });
});
