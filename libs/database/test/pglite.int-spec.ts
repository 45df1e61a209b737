import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CustomerEntity, openDatabase, runDatabaseMigrations, type DatabaseHandle } from '@keymeter/database';
import { describeCustomersTable, type MigratedDatabase } from './customers-table.cases';

// Creating a PGlite directory runs initdb: seconds on an idle machine, a minute on a busy one.
const OPEN_TIMEOUT_MS = 180_000;

describe('database on PGlite served over a loopback socket', () => {
  let dir: string;
  let handle: DatabaseHandle;
  let firstRun: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'km-pglite-'));
    handle = await openDatabase({ pgliteDir: dir, pglitePort: 0 });
    firstRun = await runDatabaseMigrations(handle);
  }, OPEN_TIMEOUT_MS);

  afterAll(async () => {
    await handle?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, OPEN_TIMEOUT_MS);

  describeCustomersTable((): MigratedDatabase => ({ handle, firstRun }));

  it('serves on 127.0.0.1 on a port picked by the system', () => {
    expect(handle.adapter).toBe('pglite');
    expect(handle.endpoint).toMatch(/^127\.0\.0\.1:[1-9]\d*\/postgres$/);
  });

  it('refuses to open the same directory twice at once', async () => {
    await expect(openDatabase({ pgliteDir: dir })).rejects.toThrow(/pgliteDir .* is already open in process/);
    expect(await handle.health()).toMatchObject({ up: true });
  });

  it('answers many concurrent queries through its single connection, each with its own result', async () => {
    const numbers = Array.from({ length: 25 }, (_, i) => i);
    // Distinct statement texts: a reply paired with the wrong statement would show the wrong label.
    const results = await Promise.all(
      numbers.map(async (n) => {
        const rows: { n: number; label: string }[] = await handle.dataSource.query(
          `SELECT $1::int AS n, 'query ${n}' AS label, pg_sleep(0.002)`,
          [n],
        );
        return rows[0];
      }),
    );
    expect(results).toEqual(numbers.map((n) => ({ n, label: `query ${n}`, pg_sleep: '' })));
  });

  it('does not let a query from outside a transaction run inside it', async () => {
    const email = `tx.isolation.${Date.now()}@example.com`;
    let outside: Promise<number> | undefined;
    const transaction = handle.dataSource.transaction(async (manager) => {
      await manager.insert(CustomerEntity, { name: 'Uncommitted', email, timezone: 'UTC', currency: 'EUR' });
      outside = handle.dataSource
        .query('SELECT count(*)::int AS n FROM customers WHERE email = $1', [email])
        .then((rows: { n: number }[]) => rows[0].n);
      // Leave time for the outside query to run now, were it able to share the connection.
      await manager.query('SELECT pg_sleep(0.05)');
      expect(await manager.countBy(CustomerEntity, { email })).toBe(1);
      throw new Error('roll back on purpose');
    });
    await expect(transaction).rejects.toThrow('roll back on purpose');
    expect(await outside).toBe(0);
  });

  it('runs concurrent read-then-write transactions one after another', async () => {
    const prefix = `serial.${Date.now()}.`;
    // Each transaction numbers its row by how many it sees; interleaving would repeat a number
    // and hit the unique email index.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        handle.dataSource.transaction(async (manager) => {
          const rows: { n: number }[] = await manager.query(
            `SELECT count(*)::int AS n FROM customers WHERE email LIKE $1`,
            [`${prefix}%`],
          );
          await manager.insert(CustomerEntity, {
            name: 'Serial',
            email: `${prefix}${rows[0].n}@example.com`,
            timezone: 'UTC',
            currency: 'EUR',
          });
        }),
      ),
    );
    const emails = await handle.dataSource
      .getRepository(CustomerEntity)
      .createQueryBuilder('customer')
      .where('customer.email LIKE :prefix', { prefix: `${prefix}%` })
      .orderBy('customer.email')
      .getMany();
    expect(emails.map((customer) => customer.email).sort()).toEqual(
      Array.from({ length: 10 }, (_, n) => `${prefix}${n}@example.com`).sort(),
    );
  });

  it(
    'closes the socket and the database, and keeps the data for the next open',
    async () => {
      const customers = handle.dataSource.getRepository(CustomerEntity);
      const saved = await customers.save(
        customers.create({
          name: 'Durable GmbH',
          email: 'durable@example.com',
          timezone: 'Europe/Berlin',
          currency: 'EUR',
        }),
      );
      const [host, port] = handle.endpoint.split('/')[0].split(':');

      await handle.close();
      expect(await handle.health()).toMatchObject({ up: false, adapter: 'pglite' });
      const client = new Client({ host, port: Number(port), user: 'postgres', database: 'postgres' });
      await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);

      handle = await openDatabase({ pgliteDir: dir });
      expect(await runDatabaseMigrations(handle)).toEqual([]);
      const reread = await handle.dataSource.getRepository(CustomerEntity).findOneByOrFail({ id: saved.id });
      expect(reread).toMatchObject({ name: 'Durable GmbH', email: 'durable@example.com', currency: 'EUR' });
      expect(reread.createdAt.getTime()).toBe(saved.createdAt.getTime());
    },
    OPEN_TIMEOUT_MS,
  );
});
