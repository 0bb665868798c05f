// Opens the database: PostgreSQL through postgres.js when DATABASE_URL is set, else an embedded PGlite
// under RECUR_DATA_DIR. Both speak the same drizzle dialect, so the rest of recur sees one Db type.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
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

/** The rows of a raw statement: postgres.js answers with the rows, PGlite with an object holding them. */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

type DriverClient = { unsafe(text: string, params: unknown[]): PromiseLike<unknown[]> } | { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> };

/**
 * The rows of a fixed statement with `$1`-style parameters, run by the driver itself: for the statement
 * every webhook waits on, building it through drizzle cost more CPU than the driver's own work. PostgreSQL
 * prepares it once per connection, as it does drizzle's (see preparingStatements).
 */
export async function statementRows<T>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  const client = (db as unknown as { $client: DriverClient }).$client;
  if ('unsafe' in client) return (await client.unsafe(text, params)) as T[];
  return (await client.query(text, params)).rows as T[];
}

const MIGRATION_LOCK_KEY = 7_262_001;
const MIGRATIONS_FOLDER = new URL('../../drizzle', import.meta.url).pathname;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPglite(opts.dataDir);
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max,
    connect_timeout: 5,
    idle_timeout: 60,
    // postgres.js waits up to 20 s between reconnects by default, and a query that needs a connection waits
    // with it: during an outage a delivery would hang instead of answering 503, and after it recur would sit
    // idle for that long. Try again within a second.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    onnotice: () => {},
    connection: { application_name: 'recur' },
  });
  const db = drizzle(preparingStatements(client), { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await client`select 1`;
    },
    migrate: async () => {
      // One connection, so the advisory lock and the DDL share a session: roles starting together
      // (api and worker) migrate one after the other instead of racing on CREATE TABLE.
      const once = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await once`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migrate(drizzle(once), { migrationsFolder: MIGRATIONS_FOLDER });
        await once`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await once.end({ timeout: 5 });
      }
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * The postgres.js client as drizzle should drive it: every statement named and prepared once per
 * connection. Drizzle asks for unnamed statements, which postgres.js has the server parse and describe
 * before every run: a second round trip per query (a drizzle select by id, one after another on a local
 * PostgreSQL 15: 0.4 ms prepared against 0.8 ms unnamed, scratch timing of 5,000 queries).
 */
function preparingStatements(client: Sql): Sql {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], opts?: Record<string, unknown>) => target.unsafe(query, params as never[], { ...opts, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        // The callback's client runs the transaction's statements: it prepares them too.
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: Sql) => unknown;
          const run = Reflect.get(target, prop, receiver) as (...a: unknown[]) => unknown;
          return run.call(target, ...args, (tx: Sql) => fn(preparingStatements(tx)));
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
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
