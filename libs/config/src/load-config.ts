import { envSchema, ENV_VARIABLES } from './config.schema';
import { toAppConfig, type AppConfig } from './app-config';

/** Variables whose values must never be echoed back, even when malformed. */
const SECRET_VARIABLES = new Set<string>([
  'CLICKHOUSE_PASSWORD',
  'DATABASE_URL',
  'CLICKHOUSE_URL',
  'REDIS_URL',
]);

export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeValue(variable: string, value: string | undefined): string {
  if (value === undefined) return 'it is not set';
  if (SECRET_VARIABLES.has(variable)) return 'the value is not shown because it may hold a secret';
  return `got ${JSON.stringify(value)}`;
}

/** Reads and validates the environment once. Throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string | undefined> = {};
  for (const name of ENV_VARIABLES) raw[name] = env[name];
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        return { variable, message: `${issue.message} (${describeValue(variable, raw[variable])})` };
      }),
    );
  }
  return toAppConfig(parsed.data);
}

/** For entry points: on a bad configuration, print what is wrong and exit non-zero. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
