/**
 * Code run in child processes by the embedded event log tests (through ChildProcessRun, which loads
 * TypeScript). Each export takes the child's command-line arguments and prints JSON lines to stdout.
 */
import type { EventLog } from '../src/event-log.port';
import { createEmbeddedEventLog } from '../src/embedded';

const print = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** For the killed-consumer contract scenario: the config is the data directory. */
export async function openEventLog(dataDir: string): Promise<EventLog> {
  return createEmbeddedEventLog({ dataDir, warn: () => undefined });
}

/**
 * Appends until killed: several writers send concurrently (so fsyncs are shared), each its own
 * key with values `<writer>:<sequence>`, and print every sequence once its send resolved.
 * Args: dataDir, topic, writer count.
 */
export async function appendUntilKilled(args: readonly string[]): Promise<void> {
  const [dataDir, topic, writers] = args;
  if (!dataDir || !topic || !writers)
    throw new Error('appendUntilKilled: expected <dataDir> <topic> <writers>');
  const log = createEmbeddedEventLog({ dataDir, segmentBytes: 64 * 1024 });
  const producer = await log.producer();
  print({ event: 'ready' });
  const writer = async (name: string): Promise<void> => {
    for (let sequence = 0; ; sequence += 1) {
      // Values of varying size, some batches of two, so kills land mid-frame and mid-roll alike.
      const padding = 'x'.repeat((sequence * 7919) % 6000);
      const batch = sequence % 5 === 0 ? 2 : 1;
      const messages = Array.from({ length: batch }, (_, index) => ({
        key: name,
        value: `${name}:${sequence + index}:${padding}`,
      }));
      await producer.send(topic, messages);
      sequence += batch - 1;
      print({ event: 'acked', writer: name, sequence });
    }
  };
  await Promise.all(Array.from({ length: Number(writers) }, (_, index) => writer(`w${index}`)));
}

/** Tries to open the directory and reports what happened. Args: dataDir. */
export async function tryToOpen(args: readonly string[]): Promise<void> {
  const [dataDir] = args;
  try {
    const log = createEmbeddedEventLog({ dataDir: dataDir });
    await log.close();
    print({ event: 'opened' });
  } catch (error) {
    print({ event: 'refused', message: error instanceof Error ? error.message : String(error) });
  }
}
