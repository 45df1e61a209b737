export * from './event-log.port';
export { createKafkaEventLog, KafkaEventLog, type KafkaEventLogOptions } from './kafka/kafka-event-log';
export type { KafkaConsumerSettings } from './kafka/kafka-log-consumer';
export type { KafkaLogEntry, KafkaLogSink } from './kafka/kafka-logging';
export { createEmbeddedEventLog, DirectoryLockedError, type EmbeddedEventLogOptions } from './embedded';
export { typescriptSourceLoader } from './process/typescript-source-loader';
