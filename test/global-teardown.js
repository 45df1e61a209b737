// Jest global teardown: stop what the global setup started, and nothing else.
const { runKafkaScript } = require('./global-setup');

module.exports = async () => {
  if (process.env.KEYMETER_TEST_KAFKA_STARTED !== '1') return;
  try {
    runKafkaScript('stop');
  } finally {
    delete process.env.KEYMETER_TEST_KAFKA_STARTED;
    delete process.env.KAFKA_BROKERS;
  }
};
