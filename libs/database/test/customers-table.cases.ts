import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import {
  allMigrations,
  CustomerEntity,
  MIGRATIONS_TABLE,
  runDatabaseMigrations,
  type DatabaseHandle,
} from '@keymeter/database';

export interface MigratedDatabase {
  readonly handle: DatabaseHandle;
  /** What the first runDatabaseMigrations call on the fresh database returned. */
  readonly firstRun: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uniqueEmail(label: string): string {
  return `${label}.${randomUUID().slice(0, 8)}@example.com`;
}

function driverErrorOf(error: unknown): { code?: string; constraint?: string } {
  expect(error).toBeInstanceOf(QueryFailedError);
  return (error as QueryFailedError).driverError as { code?: string; constraint?: string };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

/** Behaviour both adapters must share, run against a freshly migrated database. */
export function describeCustomersTable(db: () => MigratedDatabase): void {
  const migrationNames = allMigrations.map((migration) => migration.name);

  it('applies every migration on a fresh database, and a second run applies nothing', async () => {
    expect(db().firstRun).toEqual(migrationNames);
    expect(await runDatabaseMigrations(db().handle)).toEqual([]);
    const recorded: { name: string }[] = await db().handle.dataSource.query(
      `SELECT name FROM "${MIGRATIONS_TABLE}" ORDER BY id`,
    );
    expect(recorded.map((row) => row.name)).toEqual(migrationNames);
  });

  it('has entity mappings that agree with the migrated schema', async () => {
    const pending = await db().handle.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('stores a customer with a generated id and reads it back', async () => {
    const customers = db().handle.dataSource.getRepository(CustomerEntity);
    const email = uniqueEmail('Ada.Lovelace');
    const saved = await customers.save(
      customers.create({ name: 'Analytical Engines Ltd', email, timezone: 'Europe/London', currency: 'GBP' }),
    );
    expect(saved.id).toMatch(UUID);

    const read = await customers.findOneByOrFail({ id: saved.id });
    expect(read).toMatchObject({
      id: saved.id,
      name: 'Analytical Engines Ltd',
      email,
      timezone: 'Europe/London',
      currency: 'GBP',
    });
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(read.createdAt.getTime())).toBe(false);
    expect(read.updatedAt.getTime()).toBeGreaterThanOrEqual(read.createdAt.getTime());
  });

  it('keeps an id given by the application', async () => {
    const customers = db().handle.dataSource.getRepository(CustomerEntity);
    const id = randomUUID();
    await customers.insert({
      id,
      name: 'Given Id Co',
      email: uniqueEmail('given'),
      timezone: 'UTC',
      currency: 'USD',
    });
    expect((await customers.findOneByOrFail({ id })).name).toBe('Given Id Co');
  });

  it('refuses a second customer whose email differs only in letter case', async () => {
    const customers = db().handle.dataSource.getRepository(CustomerEntity);
    const email = uniqueEmail('Grace.Hopper');
    await customers.insert({ name: 'First', email, timezone: 'America/New_York', currency: 'USD' });

    const error = await caught(
      customers.insert({ name: 'Second', email: email.toUpperCase(), timezone: 'UTC', currency: 'USD' }),
    );
    expect(driverErrorOf(error)).toMatchObject({ code: '23505', constraint: 'customers_email_lower_key' });
    const stored = await customers
      .createQueryBuilder('customer')
      .where('lower(customer.email) = lower(:email)', { email })
      .getMany();
    expect(stored.map((customer) => customer.name)).toEqual(['First']);
  });

  it('refuses a currency that is not an upper-case ISO 4217 code', async () => {
    const customers = db().handle.dataSource.getRepository(CustomerEntity);
    const email = uniqueEmail('lower.currency');
    const error = await caught(
      customers.insert({ name: 'Bad Currency', email, timezone: 'UTC', currency: 'eur' }),
    );
    expect(driverErrorOf(error)).toMatchObject({ code: '23514', constraint: 'customers_currency_iso4217' });
    expect(await customers.countBy({ email })).toBe(0);
  });

  it('runs sessions in UTC', async () => {
    const rows: { TimeZone: string }[] = await db().handle.dataSource.query('SHOW TimeZone');
    expect(rows[0]?.TimeZone).toBe('UTC');
  });

  it('reports itself healthy', async () => {
    expect(await db().handle.health()).toEqual({ up: true, adapter: db().handle.adapter });
  });
}
