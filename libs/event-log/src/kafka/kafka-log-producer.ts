import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { LogProducer, OutgoingMessage } from '../event-log.port';
import { errorMessage, type KafkaLogSink } from './kafka-logging';
import { keyedMurmur2Partitioner } from './keyed-partitioner';
import { toKafkaMessage } from './kafka-records';
import { isList, requireTopicName } from './offsets';

/**
 * Errors after which the idempotent producer's state (producer id, sequence numbers) no longer
 * matches the broker's. kafkajs never recovers from these by itself, so the producer is replaced
 * with a fresh one (new producer id) before the next send.
 */
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_ID_MAPPING',
]);

function hasProducerStateError(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const { type, cause, errors } = error as { type?: unknown; cause?: unknown; errors?: unknown };
  if (typeof type === 'string' && PRODUCER_STATE_ERRORS.has(type)) return true;
  if (hasProducerStateError(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((nested) => hasProducerStateError(nested, depth + 1));
}

/**
 * Producer with durable appends: `acks: -1` waits for all in-sync replicas, and the idempotent
 * producer (one request in flight, as kafkajs requires) keeps broker-side retries from writing
 * duplicates or reordering a partition.
 */
export class KafkaLogProducer implements LogProducer {
  private current: Promise<Producer> | null = null;
  private currentProducer: Producer | null = null;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly log: KafkaLogSink,
    private readonly onClosed: () => void = () => undefined,
  ) {}

  /** Connects now, so that a broker that cannot be reached fails the call that created the producer. */
  async connect(): Promise<void> {
    await this.producer();
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    requireTopicName(topic, 'topic');
    if (!isList(messages)) throw new TypeError('messages must be an array');
    const kafkaMessages = messages.map((message, index) => toKafkaMessage(message, index));
    if (kafkaMessages.length === 0) return;
    if (this.closed) throw new Error(`send to topic ${topic}: the producer is closed`);

    const producer = await this.producer();
    try {
      await producer.send({
        topic,
        acks: -1,
        // gzip: usage events are repetitive JSON that compresses ~10 times over, and gzip is the one
        // codec kafkajs ships without native add-ons; at level 1 (see gzip-codec.ts).
        compression: CompressionTypes.GZIP,
        messages: kafkaMessages,
      });
    } catch (error) {
      if (hasProducerStateError(error)) this.replace(producer);
      throw new Error(
        `send of ${kafkaMessages.length} message(s) to topic ${topic} failed: ${errorMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
    const current = this.current;
    this.current = null;
    this.currentProducer = null;
    if (current) await (await current.catch(() => null))?.disconnect();
  }

  private producer(): Promise<Producer> {
    if (!this.current) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // The Java client's partitioner (murmur2), so keys land where other Kafka clients put them.
        createPartitioner: keyedMurmur2Partitioner,
        allowAutoTopicCreation: false,
      });
      const connecting = producer.connect().then(() => producer);
      this.current = connecting;
      this.currentProducer = producer;
      // A failed connect is reported to the caller; the next send tries a new connection.
      connecting.catch(() => {
        if (this.current === connecting) {
          this.current = null;
          this.currentProducer = null;
        }
      });
    }
    return this.current;
  }

  private replace(stale: Producer): void {
    if (this.currentProducer !== stale) return; // a concurrent send already replaced it
    this.log({
      level: 'warn',
      message: 'idempotent producer state out of sync with the broker; replacing the producer',
      fields: {},
    });
    this.current = null;
    this.currentProducer = null;
    stale.disconnect().catch(() => undefined);
  }
}
