// Opens the database: PostgreSQL through node-postgres when DATABASE_URL is set, else an embedded PGlite
// under RECUR_DATA_DIR. Both speak the same drizzle dialect, so the rest of recur sees one Db type.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Ids as one `uuid[]` parameter, and rows as one `jsonb` parameter: a statement's text then stays the
 * same whatever the number of rows, so it is prepared once, not once per size.
 */
export const uuidArray = (ids: readonly string[]): SQL => sql`${`{${ids.join(',')}}`}::uuid[]`;
export const jsonParam = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;

/** The rows of a raw statement (drizzle answers with a result holding them, on both drivers). */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

type DriverClient = pg.Pool | { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> };

/**
 * The rows of a fixed statement with `$1`-style parameters, run by the driver itself: for the statement
 * every webhook waits on, building it through drizzle cost more CPU than the driver's own work. On
 * PostgreSQL it is a named statement, parsed once per connection; PGlite is one session and takes no name.
 */
export async function statementRows<T>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  const client = (db as unknown as { $client: DriverClient }).$client;
  if (client instanceof pg.Pool) return (await client.query({ name: statementName(text), text, values: params })).rows as T[];
  return (await client.query(text, params)).rows as T[];
}

const statementNames = new Map<string, string>();
const statementName = (text: string) => {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `recur_${statementNames.size + 1}`));
  return name;
};

const MIGRATION_LOCK_KEY = 7_262_001;
const MIGRATIONS_FOLDER = new URL('../../drizzle', import.meta.url).pathname;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPglite(opts.dataDir);
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  // During an outage a query asks for a new connection, which is refused at once: the delivery answers 503
  // instead of waiting, and the first query after it connects again.
  const pool = new ReleasingPool({ connectionString: url, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 60_000, application_name: 'recur' });
  // A connection that dies (PostgreSQL restarting) reports it on its client, checked out or idle, and an
  // idle one on the pool too; unheard, either event would end the process. What was waiting on it fails
  // instead (a job's transaction is retried), and the pool drops it.
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {});
  const db = drizzle(pool, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await pool.query('select 1');
    },
    migrate: async () => {
      // One connection, so the advisory lock and the DDL share a session: roles starting together
      // (api and worker) migrate one after the other instead of racing on CREATE TABLE.
      const once = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: 'recur' });
      once.on('error', () => {});
      await once.connect();
      try {
        await once.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migrate(drizzle(once), { migrationsFolder: MIGRATIONS_FOLDER });
        await once.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      } finally {
        await once.end();
      }
    },
    close: async () => {
      await pool.end();
    },
  };
}

/**
 * A pool whose checked-out connections go back to it when they end, whoever holds them. drizzle's
 * node-postgres transaction releases its connection only once BEGIN has succeeded (drizzle-orm 0.45.4,
 * drizzle-team/drizzle-orm#6023): one that dies as it is checked out would stay out for good, and every
 * outage would shrink the pool. A connection released that way is released once; a second release is a no-op.
 */
export class ReleasingPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    // The callback form is the pool's own (pool.query), which always releases.
    if (callback) return super.connect(callback);
    return super.connect().then((client) => {
      const release = client.release.bind(client);
      let released = false;
      const releaseOnce = (err?: Error | boolean) => {
        if (released) return;
        released = true;
        client.off('end', ended);
        release(err);
      };
      const ended = () => releaseOnce(new Error('the connection ended while checked out'));
      client.once('end', ended);
      client.release = releaseOnce;
      return client;
    });
  }
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = join(dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    migrate: async () => {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    },
    close: async () => {
      await client.close();
    },
  };
}
