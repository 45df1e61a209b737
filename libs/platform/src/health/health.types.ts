export interface DependencyStatus {
  readonly up: boolean;
  /** Which adapter serves this dependency: a real service or the embedded default. */
  readonly adapter: string;
  readonly detail?: string;
}

export interface DependencyCheck {
  readonly name: string;
  check(): Promise<DependencyStatus>;
}

export interface HealthReport {
  readonly app: string;
  readonly status: 'ok' | 'degraded';
  readonly dependencies: Readonly<Record<string, DependencyStatus>>;
}
