import { gunzipSync, gzipSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import {
  inflateChunkSize,
  kafkaGzipCodec,
  PRODUCED_GZIP_LEVEL,
  registerKafkaGzipCodec,
} from '../src/kafka/gzip-codec';

const batch = Buffer.from(
  Array.from({ length: 2000 }, (_, index) =>
    JSON.stringify([
      1,
      `01JDZ6V5Q1ZKX0M3N9${String(index).padStart(8, '0')}`,
      'GET',
      '/v1/things/:id',
      200,
      index % 50,
    ]),
  ).join(''),
);

describe('gzip codec of the Kafka adapter', () => {
  it('compresses at the chosen level and decompresses what any gzip writer wrote', async () => {
    const compressed = await kafkaGzipCodec.compress({ buffer: batch });
    expect(compressed.equals(gzipSync(batch, { level: PRODUCED_GZIP_LEVEL }))).toBe(true);
    expect(compressed.equals(gzipSync(batch))).toBe(false); // not zlib's default level
    expect(gunzipSync(compressed).equals(batch)).toBe(true);
    expect((await kafkaGzipCodec.decompress(gzipSync(batch, { level: 9 }))).equals(batch)).toBe(true);
  });

  it('inflates in chunks sized to the batch, whatever the output comes to', async () => {
    expect(inflateChunkSize(100)).toBe(16 * 1024);
    expect(inflateChunkSize(40_000)).toBe(640_000);
    expect(inflateChunkSize(10_000_000)).toBe(4 * 1024 * 1024);
    // Far more than the chunk size estimates (zeros compress ~1,000 times), and far less.
    const zeros = Buffer.alloc(12 * 1024 * 1024);
    expect((await kafkaGzipCodec.decompress(gzipSync(zeros))).equals(zeros)).toBe(true);
    const tiny = Buffer.from('[1]');
    expect((await kafkaGzipCodec.decompress(gzipSync(tiny))).equals(tiny)).toBe(true);
    expect((await kafkaGzipCodec.decompress(gzipSync(Buffer.alloc(0)))).length).toBe(0);
  });

  it('is what kafkajs uses for GZIP once registered', () => {
    registerKafkaGzipCodec();
    expect(CompressionCodecs[CompressionTypes.GZIP]()).toBe(kafkaGzipCodec);
  });
});
