import { gunzipSync, gzipSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { kafkaGzipCodec, PRODUCED_GZIP_LEVEL, registerKafkaGzipCodec } from '../src/kafka/gzip-codec';

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

  it('is what kafkajs uses for GZIP once registered', () => {
    registerKafkaGzipCodec();
    expect(CompressionCodecs[CompressionTypes.GZIP]()).toBe(kafkaGzipCodec);
  });
});
