import type { KafkaMessage } from 'kafkajs';
import { toKafkaMessage, toLogRecord } from '../src/kafka/kafka-records';
import type { OutgoingMessage } from '../src/event-log.port';

describe('Kafka record conversion', () => {
  const fetched = (overrides: Partial<KafkaMessage>): KafkaMessage =>
    ({
      key: Buffer.from('key-1'),
      value: Buffer.from('{"n":1}'),
      timestamp: '1767225600000',
      attributes: 0,
      offset: '42',
      size: 0,
      headers: {},
      ...overrides,
    }) as unknown as KafkaMessage;

  it('reads key, value, offset, timestamp and headers of a fetched message', () => {
    const record = toLogRecord(
      'usage-events',
      3,
      fetched({ headers: { 'content-type': Buffer.from('application/json'), 'schema-version': '1' } }),
    );
    expect(record).toEqual({
      topic: 'usage-events',
      partition: 3,
      offset: '42',
      key: 'key-1',
      value: Buffer.from('{"n":1}'),
      timestamp: 1767225600000,
      headers: { 'content-type': 'application/json', 'schema-version': '1' },
    });
  });

  it('reads a null key as null, a tombstone as an empty value, and a repeated header as its last value', () => {
    const record = toLogRecord(
      't',
      0,
      fetched({ key: null, value: null, headers: { h: [Buffer.from('first'), Buffer.from('last')] } }),
    );
    expect(record.key).toBeNull();
    expect(record.value).toEqual(Buffer.alloc(0));
    expect(record.headers).toEqual({ h: 'last' });
  });

  it('rejects outgoing messages without a string key, naming the field', () => {
    const bad = { key: 7, value: 'x' } as unknown as OutgoingMessage;
    expect(() => toKafkaMessage(bad, 2)).toThrow('messages[2].key must be a string');
  });

  it('rejects header values that are not strings, naming the header', () => {
    const bad = { key: 'k', value: 'x', headers: { trace: 1 } } as unknown as OutgoingMessage;
    expect(() => toKafkaMessage(bad, 0)).toThrow('messages[0].headers.trace must be a string');
  });
});
