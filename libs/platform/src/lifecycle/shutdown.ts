import type { AppLogger } from '../logging/logger';

export type ShutdownStep = { readonly name: string; run(): Promise<void> };

const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * On SIGTERM or SIGINT: run the steps in order (stop accepting, flush, commit, close), then exit.
 * A second signal or the timeout forces the exit so a stuck dependency cannot hang a deploy.
 * Returns the same orderly shutdown for the process itself to call (with the exit code it wants).
 */
export function exitOnSignals(
  logger: AppLogger,
  steps: () => readonly ShutdownStep[],
): (reason: string, exitCode: number) => void {
  let stopping = false;
  const shutDown = (reason: string, exitCode: number): void => {
    if (stopping) {
      logger.warn({ reason }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    void (async () => {
      let failed = false;
      for (const step of steps()) {
        try {
          await step.run();
        } catch (error) {
          failed = true;
          logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      logger.info('stopped');
      process.exit(failed ? 1 : exitCode);
    })();
  };
  process.on('SIGTERM', () => shutDown('SIGTERM', 0));
  process.on('SIGINT', () => shutDown('SIGINT', 0));
  return shutDown;
}
