import { loadavg } from 'node:os';
import { Client } from 'pg';
import type { BenchShape } from './bench-data';

/** The data set's size from BENCH_CUSTOMERS, BENCH_KEYS_PER_CUSTOMER and BENCH_EVENTS (10k × 3, 10 M). */
export function benchShapeFromEnv(): BenchShape {
  return {
    customers: Number(process.env.BENCH_CUSTOMERS ?? 10_000),
    keysPerCustomer: Number(process.env.BENCH_KEYS_PER_CUSTOMER ?? 3),
    events: Number(process.env.BENCH_EVENTS ?? 10_000_000),
  };
}

/** Where the benchmark creates and drops its own database. */
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const log = (line: string): void => void process.stdout.write(`${line}\n`);
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');

/** Runs one statement on the admin database (CREATE / DROP DATABASE). */
async function asAdmin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database `name` beside the admin one; returns its URL and how to drop it. */
export async function createBenchDatabase(name: string): Promise<{ url: URL; drop: () => Promise<void> }> {
  await asAdmin(`CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url, drop: () => asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
