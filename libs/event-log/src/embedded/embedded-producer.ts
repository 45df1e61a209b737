/** Producer of the embedded log: validates messages, picks partitions by key, appends durably. */
import type { LogProducer, OutgoingMessage } from '../event-log.port';
import { partitionForKey } from '../murmur2-partitioner';
import type { RecordToAppend } from './record-codec';
import type { TopicCatalog } from './topic-catalog';

function toRecord(message: OutgoingMessage, field: string, maxMessageBytes: number): RecordToAppend {
  if (typeof message !== 'object' || message === null) throw new Error(`${field} must be an object`);
  if (typeof message.key !== 'string') throw new Error(`${field}.key must be a string`);
  let value: Buffer;
  if (Buffer.isBuffer(message.value)) value = message.value;
  else if (typeof message.value === 'string') value = Buffer.from(message.value, 'utf8');
  else throw new Error(`${field}.value must be a Buffer or a string`);
  const headerEntries: [string, string][] = [];
  let size = value.length + Buffer.byteLength(message.key, 'utf8');
  for (const [name, headerValue] of Object.entries(message.headers ?? {})) {
    if (typeof headerValue !== 'string') throw new Error(`${field}.headers.${name} must be a string`);
    headerEntries.push([name, headerValue]);
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(headerValue, 'utf8');
  }
  if (size > maxMessageBytes) {
    throw new Error(`${field} is ${size} bytes, more than the ${maxMessageBytes} bytes a message may have`);
  }
  // fromEntries: a header named "__proto__" stays a plain entry.
  return { key: message.key, value, headers: Object.fromEntries(headerEntries) };
}

export class EmbeddedProducer implements LogProducer {
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly catalog: TopicCatalog,
    private readonly maxMessageBytes: number,
    private readonly onClosed: (producer: EmbeddedProducer) => void,
  ) {}

  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    let sending: Promise<void>;
    try {
      sending = this.append(topic, messages);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.inFlight.add(sending);
    const forget = (): void => {
      this.inFlight.delete(sending);
    };
    sending.then(forget, forget);
    return sending;
  }

  /**
   * Validates everything before appending anything. Each partition's share is appended in order;
   * partitions are independent (as in Kafka, a failed send may have reached some of them).
   */
  private append(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const target = this.catalog.require(topic, 'send topic');
    const list: unknown = messages;
    if (!Array.isArray(list)) throw new Error('send messages must be an array');
    const byPartition = new Map<number, RecordToAppend[]>();
    messages.forEach((message, index) => {
      const record = toRecord(message, `send messages[${index}]`, this.maxMessageBytes);
      const partition = partitionForKey(record.key ?? '', target.partitions.length);
      const list = byPartition.get(partition) ?? [];
      list.push(record);
      byPartition.set(partition, list);
    });
    return Promise.all(
      [...byPartition].map(([partition, records]) => target.partitions[partition].append(records)),
    ).then(() => undefined);
  }

  /** Waits for the sends in progress. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.onClosed(this);
  }
}
