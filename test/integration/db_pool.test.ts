// recur's PostgreSQL pool: a connection that dies while checked out goes back to the pool (drizzle's
// transaction would keep it when BEGIN fails on it), and the release its holder makes later is a no-op.
import { tmpdir } from 'node:os';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { openDatabase, ReleasingPool, rowsOf } from '../../src/db/client.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { connectSql } from '../helpers/sql.js';

const pgUrl = inject('pgUrl');

describe.skipIf(!pgUrl)('the PostgreSQL pool', () => {
  it('takes back a checked-out connection that ends, and a later release changes nothing', async () => {
    const db = await createDatabase(pgUrl);
    const database = await openDatabase({ databaseUrl: db.url, dataDir: tmpdir(), poolSize: 2 });
    const admin = connectSql(db.url);
    try {
      const pool = (database.db as unknown as { $client: ReleasingPool }).$client;
      expect(pool).toBeInstanceOf(ReleasingPool);
      const held = await pool.connect();
      const [{ pid }] = (await held.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [{ pid: number }];
      expect(pool.totalCount).toBe(1);

      await admin.query('select pg_terminate_backend($1)', [pid]);
      await eventually(async () => pool.totalCount === 0, 5_000, 20, () => ({ total: pool.totalCount, idle: pool.idleCount }));
      expect(() => held.release()).not.toThrow();

      // The pool still answers, on both of its connections, and closes without waiting for the dead one.
      const answers = await Promise.all([1, 2].map(() => rowsOf<{ one: number }>(database.db, sql`select 1 as one, pg_sleep(0.05)`)));
      expect(answers.map((rows) => rows[0]!.one)).toEqual([1, 1]);
      await database.close();
      expect(pool.totalCount).toBe(0);
    } finally {
      await admin.end();
      await db.drop();
    }
  });

  it('returns a connection released by its holder to the pool, for the next one', async () => {
    const db = await createDatabase(pgUrl);
    const database = await openDatabase({ databaseUrl: db.url, dataDir: tmpdir(), poolSize: 1 });
    try {
      const pool = (database.db as unknown as { $client: ReleasingPool }).$client;
      const first = await pool.connect();
      first.release();
      first.release();
      expect(pool.idleCount).toBe(1);
      const second = await pool.connect();
      expect(second).toBe(first);
      second.release();
      expect(await rowsOf<{ one: number }>(database.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
      await db.drop();
    }
  });
});
