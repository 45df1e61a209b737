// Placeholder until the infrastructure setup lands (Kafka broker, fresh Postgres database).
module.exports = async () => {};
