import { logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';

export type KafkaLogLevelName = 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogEntry {
  readonly level: KafkaLogLevelName;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

/** Where the adapter's log lines go (e.g. an application logger). */
export type KafkaLogSink = (entry: KafkaLogEntry) => void;

/** Default sink: one JSON line per entry on stderr. */
export function writeKafkaLogToStderr(entry: KafkaLogEntry): void {
  const line = {
    level: entry.level,
    time: new Date().toISOString(),
    name: 'kafka',
    msg: entry.message,
    ...entry.fields,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/**
 * Fields copied from kafkajs log entries. Anything else (request payloads, configuration objects,
 * stack traces) is dropped, so record contents and credentials never reach a log.
 */
const KEPT_FIELDS = [
  'groupId',
  'memberId',
  'topic',
  'partition',
  'broker',
  'clientId',
  'error',
  'retryCount',
  'retryTime',
];

/**
 * Entries that a layer above reports itself: failed requests and connection attempts (which kafkajs
 * retries) surface as rejected calls, a failed health check, or a consumer crash, which the consumer
 * logs once with its outcome (restarting or not).
 */
function isReportedElsewhere(namespace: string, message: string): boolean {
  if (
    namespace === 'Connection' &&
    (message.startsWith('Response ') || message.startsWith('Connection error'))
  ) {
    return true;
  }
  if (namespace === 'BrokerPool' && message.startsWith('Failed to connect to seed broker')) return true;
  if (
    namespace === 'Consumer' &&
    (message.startsWith('Crash:') || message.startsWith('Restarting the consumer'))
  ) {
    return true;
  }
  return false;
}

function levelName(level: KafkaLogLevel): KafkaLogLevelName {
  switch (level) {
    case KafkaLogLevel.ERROR:
    case KafkaLogLevel.NOTHING:
      return 'error';
    case KafkaLogLevel.WARN:
      return 'warn';
    case KafkaLogLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/** A kafkajs logCreator that routes entries through `sink`, keeping only safe fields. */
export function kafkaLogCreator(sink: KafkaLogSink): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message } = log;
      if (isReportedElsewhere(namespace, message)) return;
      const fields: Record<string, string | number | boolean> = { namespace };
      for (const name of KEPT_FIELDS) {
        const value: unknown = log[name];
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
          fields[name] = value;
        }
      }
      sink({ level: levelName(level), message, fields });
    };
}

/** The message of anything thrown, without its stack. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
