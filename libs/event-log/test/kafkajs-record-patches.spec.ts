import fc from 'fast-check';

/**
 * The patched kafkajs record encoder and decoder (patches/kafkajs+2.2.4.patch) against kafkajs's own
 * code paths: the encoder's direct path must write the bytes the Encoder path writes, and records must
 * decode back to what was encoded, also where the patched decoder falls back to Long arithmetic.
 */

type Bytes = string | Buffer | null;
interface RecordInput {
  offsetDelta: number;
  timestampDelta: number | object;
  key: Bytes;
  value: Bytes;
  headers: Record<string, string | Buffer>;
}
interface Encoded {
  buffer: Buffer;
}
interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

const encodeRecord = jest.requireActual<(input: RecordInput) => Encoded>(
  'kafkajs/src/protocol/recordBatch/record/v0',
);
const { RecordBatch } = jest.requireActual<{
  RecordBatch: (input: Record<string, unknown>) => Promise<Encoded>;
}>('kafkajs/src/protocol/recordBatch/v0');
const decodeRecordBatch = jest.requireActual<(decoder: object) => Promise<{ records: DecodedRecord[] }>>(
  'kafkajs/src/protocol/recordBatch/v0/decoder',
);
const Decoder = jest.requireActual<new (buffer: Buffer) => object>('kafkajs/src/protocol/decoder');
const Batch = jest.requireActual<
  new (
    topic: string,
    fetchedOffset: string,
    partitionData: Record<string, unknown>,
  ) => { messages: { offset: string }[] }
>('kafkajs/src/consumer/batch');
const Long = jest.requireActual<{ fromString: (value: string) => object }>('kafkajs/src/utils/long');

const bytes = (): fc.Arbitrary<Bytes> =>
  fc.oneof(
    fc.constant(null),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array)),
  );
const headers = fc.dictionary(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array)),
  ),
  { maxKeys: 3 },
);
const asBuffer = (value: Bytes): Buffer | null =>
  value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');

describe('kafkajs record encoding and decoding (patched)', () => {
  it('is the patched encoder that kafkajs loads', () => {
    const encoded = encodeRecord({ offsetDelta: 0, timestampDelta: 0, key: 'k', value: 'v', headers: {} });
    expect(encoded.constructor.name).toBe('EncodedRecord');
  });

  it('writes the same bytes as the Encoder path for any record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: -300, max: 300 })),
        bytes(),
        bytes(),
        headers,
        (offsetDelta, timestampDelta, key, value, recordHeaders) => {
          const direct = encodeRecord({ offsetDelta, timestampDelta, key, value, headers: recordHeaders });
          // A Long timestamp delta takes the Encoder path, which the patch left as it was.
          const viaEncoder = encodeRecord({
            offsetDelta,
            timestampDelta: Long.fromString(String(timestampDelta)),
            key,
            value,
            headers: recordHeaders,
          });
          expect(direct.buffer.toString('hex')).toBe(viaEncoder.buffer.toString('hex'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes offsets, timestamps, keys, values and headers back, beyond 2^53 too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 62n })),
        fc.oneof(
          fc.bigInt({ min: 1_600_000_000_000n, max: 1_900_000_000_000n }),
          fc.bigInt({ min: 2n ** 53n, max: 2n ** 60n }),
        ),
        fc.array(
          fc.record({
            timestampDelta: fc.oneof(
              fc.integer({ min: 0, max: 100_000 }),
              fc.integer({ min: 2 ** 49, max: 2 ** 50 }), // longer than the direct path's 7 varint bytes
            ),
            key: bytes(),
            value: bytes(),
            headers,
          }),
          { minLength: 1, maxLength: 20 },
        ),
        async (firstOffset, firstTimestamp, records) => {
          const batch = await RecordBatch({
            firstOffset: Long.fromString(firstOffset.toString()),
            firstTimestamp: Long.fromString(firstTimestamp.toString()),
            maxTimestamp: Long.fromString(firstTimestamp.toString()),
            lastOffsetDelta: records.length - 1,
            records: records.map((record, offsetDelta) => encodeRecord({ ...record, offsetDelta })),
          });
          const decoded = await decodeRecordBatch(new Decoder(batch.buffer));
          expect(
            decoded.records.map(({ offset, timestamp, key, value }) => ({ offset, timestamp, key, value })),
          ).toEqual(
            records.map((record, index) => ({
              offset: (firstOffset + BigInt(index)).toString(),
              timestamp: (firstTimestamp + BigInt(record.timestampDelta)).toString(),
              key: asBuffer(record.key),
              value: asBuffer(record.value),
            })),
          );
          decoded.records.forEach((record, index) => {
            expect(record.headers).toEqual(
              Object.fromEntries(
                Object.entries(records[index].headers).map(([name, value]) => [name, asBuffer(value)]),
              ),
            );
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the fetched records from the fetched offset on, without control records, beyond 2^53 too', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: 2n ** 53n - 20n, max: 2n ** 62n })),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 40 }),
        (firstOffset, controls, skip) => {
          const messages = controls.map((isControlRecord, index) => ({
            offset: (firstOffset + BigInt(index)).toString(),
            isControlRecord,
          }));
          const batch = new Batch('t', (firstOffset + BigInt(skip)).toString(), {
            partition: 0,
            highWatermark: '0',
            abortedTransactions: [],
            messages,
          });
          expect(batch.messages.map((message) => message.offset)).toEqual(
            messages
              .slice(skip)
              .filter((message) => !message.isControlRecord)
              .map((message) => message.offset),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
