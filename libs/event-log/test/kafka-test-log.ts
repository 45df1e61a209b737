import type { EventLog } from '../src/event-log.port';
import { createKafkaEventLog, type KafkaEventLogOptions } from '../src/kafka/kafka-event-log';
import type { KafkaLogEntry } from '../src/kafka/kafka-logging';

/** The test broker started by test/global-setup.js (or the one KAFKA_BROKERS names). */
export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: run these tests through jest (its global setup starts Kafka)');
  return brokers.split(',').map((broker) => broker.trim());
}

/** A Kafka event log on the test broker whose log lines are kept for assertions instead of printed. */
export function openTestKafkaLog(options: Partial<KafkaEventLogOptions> = {}): {
  log: EventLog;
  logged: KafkaLogEntry[];
} {
  const logged: KafkaLogEntry[] = [];
  const log = createKafkaEventLog({
    brokers: testBrokers(),
    clientId: 'keymeter-test',
    logSink: (entry) => logged.push(entry),
    ...options,
  });
  return { log, logged };
}

/**
 * Loaded by the killed-consumer contract in a child process: `config` is the broker list. A short
 * session timeout lets the broker notice the killed member sooner (the broker's minimum is 6 s).
 */
export function openEventLog(config: string): Promise<EventLog> {
  return Promise.resolve(
    createKafkaEventLog({
      brokers: config.split(','),
      clientId: 'keymeter-test-child',
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
    }),
  );
}
