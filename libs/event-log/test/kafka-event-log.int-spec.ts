// The shared EventLog contract, run against the real Kafka broker of the test run.
import { resolve } from 'node:path';
import { describeEventLogContract, describeKilledConsumerContract } from './event-log-contract';
import { openTestKafkaLog, testBrokers } from './kafka-test-log';

describeEventLogContract('kafka', () => {
  const { log } = openTestKafkaLog();
  return Promise.resolve({ log, cleanup: () => log.close() });
});

describeKilledConsumerContract('kafka', () =>
  Promise.resolve({
    openLog: () => Promise.resolve(openTestKafkaLog().log),
    child: { modulePath: resolve(__dirname, 'kafka-test-log.ts'), config: testBrokers().join(',') },
    exclusive: false,
    cleanup: () => Promise.resolve(),
  }),
);
