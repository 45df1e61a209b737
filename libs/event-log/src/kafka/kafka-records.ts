import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { LogRecord, OutgoingMessage } from '../event-log.port';

/** Converts a fetched kafkajs message into the port's record shape. */
export function toLogRecord(topic: string, partition: number, message: KafkaMessage): LogRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null || message.key === undefined ? null : message.key.toString('utf8'),
    // A tombstone (null value) reads back as an empty value: the port has no null values.
    value: message.value ?? Buffer.alloc(0),
    timestamp: Number(message.timestamp),
    headers: decodeHeaders(message.headers),
  };
}

/** The headers of every record that has none (most): one frozen object instead of one per record. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function decodeHeaders(headers: IHeaders | undefined): Readonly<Record<string, string>> {
  if (!headers || !hasOwnKey(headers)) return NO_HEADERS;
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    // Kafka allows a header name to repeat; like Java's lastHeader(), the last value wins.
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    decoded[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return decoded;
}

/** Validates an outgoing message and converts it for kafkajs. */
export function toKafkaMessage(message: OutgoingMessage, index: number): Message {
  if (typeof message.key !== 'string') {
    throw new TypeError(`messages[${index}].key must be a string (the partitioning key)`);
  }
  if (typeof message.value !== 'string' && !Buffer.isBuffer(message.value)) {
    throw new TypeError(`messages[${index}].value must be a Buffer or a string`);
  }
  if (message.headers === undefined) return { key: message.key, value: message.value };
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (typeof value !== 'string') {
      throw new TypeError(`messages[${index}].headers.${name} must be a string`);
    }
    headers[name] = value;
  }
  return { key: message.key, value: message.value, headers };
}

function hasOwnKey(headers: IHeaders): boolean {
  for (const name in headers) if (Object.prototype.hasOwnProperty.call(headers, name)) return true;
  return false;
}
