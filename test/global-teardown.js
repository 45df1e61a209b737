// Jest global teardown: stop what the global setup started, and nothing else.
const { runKafkaScript } = require('./global-setup');

module.exports = async () => {
  if (process.env.KEYMETER_TEST_KAFKA_STARTED !== '1') return;
  const port = Number(process.env.KEYMETER_TEST_KAFKA_STARTED_PORT);
  try {
    const stop = runKafkaScript('stop', port);
    if (stop.status !== 0) process.stderr.write(`kafka: stopping the test broker on port ${port} failed\n`);
  } finally {
    delete process.env.KEYMETER_TEST_KAFKA_STARTED;
    delete process.env.KEYMETER_TEST_KAFKA_STARTED_PORT;
    delete process.env.KAFKA_BROKERS;
  }
};
