/**
 * Worker-thread side of the threaded usage-event sink: its own Kafka client and the spooling sink
 * (batching, produce, spool on outage, replay in order), fed with encoded events by the request thread.
 * Everything kafkajs does — request encoding, CRC, gzip, acknowledgements — happens on this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKafkaEventLog } from '@keymeter/event-log';
import { openSpoolingUsageEventSink, type SinkLogger } from '../create-usage-event-sink';
import { batchMessages } from '../encoded-batch';
import { SpoolFullError } from '../spool/disk-spool';
import type { SpooledMessage } from '../spool/spool-frame';
import type {
  EncodedEvents,
  FromSinkWorker,
  SinkWorkerSetup,
  ToSinkWorker,
  WorkerFailure,
  WorkerStats,
} from './worker-protocol';

/** Stats are pushed at most this often while they change (the request thread's `stats()` reads them). */
const STATS_INTERVAL_MS = 50;

const port = parentPort;
if (port === null) throw new Error('sink-worker: must run in a worker thread');
const setup = workerData as SinkWorkerSetup;
const post = (message: FromSinkWorker): void => port.postMessage(message);

/** Log fields cross the thread boundary as plain data (errors as name, message, stack). */
function plainFields(fields: object): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    plain[name] =
      value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
  }
  return plain;
}

const logger: SinkLogger = {
  info: (fields, message) => post({ type: 'log', level: 'info', fields: plainFields(fields), message }),
  warn: (fields, message) => post({ type: 'log', level: 'warn', fields: plainFields(fields), message }),
  error: (fields, message) => post({ type: 'log', level: 'error', fields: plainFields(fields), message }),
};

function messagesOf(events: EncodedEvents): SpooledMessage[] {
  const keys = JSON.parse(events.keys) as string[];
  const values = events.values.split('\n');
  if (keys.length !== events.count || values.length !== events.count) {
    throw new Error(
      `sink-worker: ${events.count} events announced, ${keys.length} keys and ${values.length} payloads received`,
    );
  }
  const messages = new Array<SpooledMessage>(events.count);
  for (let index = 0; index < events.count; index++) {
    messages[index] = { key: keys[index], value: Buffer.from(values[index], 'utf8') };
  }
  return messages;
}

function failureOf(error: unknown): WorkerFailure {
  if (error instanceof SpoolFullError) {
    return {
      message: error.message,
      spoolFull: { neededBytes: error.neededBytes, usedBytes: error.usedBytes, maxBytes: error.maxBytes },
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

async function main(): Promise<void> {
  const eventLog = createKafkaEventLog({ brokers: [...setup.kafka.brokers], clientId: setup.kafka.clientId });
  let received = 0;
  const sink = await openSpoolingUsageEventSink({ ...setup.sink, eventLog, logger }).catch(
    async (error: unknown) => {
      await eventLog.close().catch(() => undefined);
      throw error;
    },
  );
  const stats = (): WorkerStats => ({ ...sink.stats(), received });
  let lastStats = '';
  const pushStats = (): void => {
    const current = stats();
    const text = JSON.stringify(current);
    if (text === lastStats) return;
    lastStats = text;
    post({ type: 'stats', stats: current });
  };
  const statsTimer = setInterval(pushStats, STATS_INTERVAL_MS);
  const done = (id: number, failure?: WorkerFailure): void => {
    const current = stats();
    lastStats = JSON.stringify(current);
    post({ type: 'done', id, stats: current, ...(failure === undefined ? {} : { failure }) });
  };

  port!.on('message', (message: ToSinkWorker) => {
    switch (message.type) {
      case 'events':
        received += message.count;
        try {
          sink.emitEncoded(messagesOf(message));
        } catch (error) {
          logger.error({ err: error, events: message.count }, 'usage event sink refused events');
        }
        return;
      case 'durable':
      case 'durable-batch': {
        received += message.count;
        let messages: SpooledMessage[];
        try {
          messages = message.type === 'durable' ? messagesOf(message) : batchMessages(message);
        } catch (error) {
          done(message.id, failureOf(error));
          return;
        }
        sink.emitEncodedDurably(messages).then(
          () => done(message.id),
          (error: unknown) => done(message.id, failureOf(error)),
        );
        return;
      }
      case 'flush':
        sink.flush().then(
          () => done(message.id),
          (error: unknown) => done(message.id, failureOf(error)),
        );
        return;
      case 'close':
        clearInterval(statsTimer);
        sink
          .close()
          .then(() => eventLog.close())
          .then(
            () => done(message.id),
            (error: unknown) => done(message.id, failureOf(error)),
          );
        return;
    }
  });
  post({ type: 'ready', stats: stats() });
}

main().catch((error: unknown) =>
  post({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) }),
);
