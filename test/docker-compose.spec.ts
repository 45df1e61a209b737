import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '@keymeter/config';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const APPS = ['gateway', 'ingestor', 'billing', 'migrate'] as const;

function envOf(name: string): Record<string, string> {
  const env = services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

describe('docker-compose.yml', () => {
  it('describes the real services and the three apps', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['kafka', 'clickhouse', 'postgres', 'redis', 'gateway', 'ingestor', 'billing']),
    );
    for (const app of APPS) expect(services[app]?.build).toBeDefined();
  });

  it.each(APPS)('%s reads only variables the config schema knows', (app) => {
    const unknown = Object.keys(envOf(app)).filter((k) => !(ENV_VARIABLES as readonly string[]).includes(k));
    expect(unknown).toEqual([]);
  });

  it.each(APPS)('%s environment passes config validation and selects every real service', (app) => {
    const config = loadConfig(envOf(app));
    expect(config.eventLog.adapter).toBe('kafka');
    expect(config.clickhouse.adapter).toBe('server');
    expect(config.database.adapter).toBe('postgres');
    expect(config.rateLimitStore.adapter).toBe('redis');
  });

  it('points the apps at the hosts and ports the service definitions expose', () => {
    const config = loadConfig(envOf('gateway'));
    if (config.eventLog.adapter !== 'kafka') throw new Error('expected kafka');
    expect(config.eventLog.brokers).toEqual(['kafka:9092']);
    expect(services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).toContain('kafka:9092');
    expect(envOf('billing').DATABASE_URL).toContain(`${services.postgres?.environment?.POSTGRES_USER}:`);
    expect(envOf('billing').DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(envOf('ingestor').CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    expect(envOf('gateway').GATEWAY_PORT).toBe('8080');
    expect(envOf('ingestor').INGESTOR_PORT).toBe('8081');
    expect(envOf('billing').BILLING_PORT).toBe('8082');
  });

  it('starts the apps only after migrations ran', () => {
    for (const app of ['gateway', 'ingestor', 'billing']) {
      expect(services[app]?.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
  });
});
