/**
 * Code run in a child process by the kill -9 test (loaded through ChildProcessRun, which compiles
 * TypeScript). Prints JSON lines to stdout.
 */
import { createEmbeddedEventLog } from '@keymeter/event-log';
import { createUsageEventSink } from '../src';
import { testEvent } from './sink-test-events';

const print = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/**
 * Emits events until killed, half through `emit`, half through `emitDurably`; after each `flush` it
 * prints the ids that are now durable (produced or spooled). Args: log dir, spool dir, topic.
 */
export async function emitUntilKilled(args: readonly string[]): Promise<void> {
  const [logDir, spoolDir, topic] = args;
  if (!logDir || !spoolDir || !topic)
    throw new Error('emitUntilKilled: expected <logDir> <spoolDir> <topic>');
  const eventLog = createEmbeddedEventLog({ dataDir: logDir, warn: () => undefined });
  await eventLog.ensureTopics([{ name: topic, partitions: 2 }]);
  const sink = await createUsageEventSink({
    eventLog,
    topic,
    spoolDir,
    maxSpoolBytes: 16 * 1024 * 1024,
    batchSize: 20,
    lingerMs: 5,
  });
  print({ event: 'ready' });
  for (let round = 1; ; round++) {
    const ids: string[] = [];
    for (let index = 0; index < 10; index++) {
      const event = testEvent(`key-${index % 3}`, round * 10 + index);
      ids.push(event.id);
      sink.emit(event);
    }
    const durable = [testEvent('key-durable', round)];
    await sink.emitDurably(durable);
    ids.push(durable[0].id);
    await sink.flush();
    print({ event: 'durable', ids });
  }
}
