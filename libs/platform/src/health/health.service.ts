import type { DependencyCheck, DependencyStatus, HealthReport } from './health.types';

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: DependencyCheck): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DependencyStatus>((resolve) => {
    timer = setTimeout(
      () => resolve({ up: false, adapter: 'unknown', detail: 'health check timed out' }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([check.check(), timeout]);
  } catch (error) {
    return { up: false, adapter: 'unknown', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export class HealthService {
  constructor(
    private readonly app: string,
    private readonly checks: readonly DependencyCheck[],
  ) {}

  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const dependencies = Object.fromEntries(results);
    const status = results.every(([, s]) => s.up) ? 'ok' : 'degraded';
    return { app: this.app, status, dependencies };
  }
}
