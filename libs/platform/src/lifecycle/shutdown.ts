import type { AppLogger } from '../logging/logger';

export type ShutdownStep = { readonly name: string; run(): Promise<void> };

const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * On SIGTERM or SIGINT: run the steps in order (stop accepting, flush, commit, close), then exit.
 * A second signal or the timeout forces the exit so a stuck dependency cannot hang a deploy.
 */
export function exitOnSignals(logger: AppLogger, steps: () => readonly ShutdownStep[]): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
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
      process.exit(failed ? 1 : 0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
