import { promisify } from 'node:util';
import { gzip, unzip } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';

const gzipAsync = promisify(gzip);
const unzipAsync = promisify(unzip);

/**
 * zlib level of produced batches. kafkajs compresses at zlib's default (6); on usage-event batches level 1
 * costs a third of the CPU (1.2 against 3.6 µs per event, 5,000 events of ~210 bytes) and decompresses a
 * third faster, for a ratio of 9.8 instead of 12: the cheaper trade on a machine where the producer, the
 * broker and the consumers share the cores. Any gzip reader (brokers, other clients) reads it unchanged.
 */
export const PRODUCED_GZIP_LEVEL = 1;

export interface KafkaGzipCodec {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Output chunk size for a compressed batch: about the size it inflates to (usage events compress ~10 times),
 * within 16 KiB (zlib's default) and 4 MiB. zlib hands every chunk to the main thread, which gathers them and
 * concatenates them at the end; with the default 16 KiB a fetched batch of ~400 KB took 25 callbacks and a copy.
 * Under a backlog those callbacks and the copy were ~6 % of the ingestor's main-thread samples and are gone
 * with one chunk; the inflating itself stays (end to end within the noise: docs/benchmarks.md).
 */
export function inflateChunkSize(compressedBytes: number): number {
  return Math.min(4 * 1024 * 1024, Math.max(16 * 1024, compressedBytes * 16));
}

export const kafkaGzipCodec: KafkaGzipCodec = {
  compress: (encoder) => gzipAsync(encoder.buffer, { level: PRODUCED_GZIP_LEVEL }),
  decompress: (buffer) => unzipAsync(buffer, { chunkSize: inflateChunkSize(buffer.length) }),
};

/** Registers the codec for kafkajs's GZIP type (process-wide, as kafkajs's codec registry is). */
export function registerKafkaGzipCodec(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => kafkaGzipCodec;
}
