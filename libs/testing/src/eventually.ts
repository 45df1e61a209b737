/**
 * Polls `probe` until it returns a value; throws naming `what` (and `context()`, e.g. the app's output)
 * when `timeoutMs` passes first. For outcomes that arrive asynchronously: events counted, keys propagated.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 250, context } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
