import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value, the time is up (undefined) or `signal` aborts (throws).
 * For things that become true eventually: a new key reaching the gateway, events being counted.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  signal: AbortSignal,
  intervalMs = 250,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs, undefined, { signal });
  }
}
