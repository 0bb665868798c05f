// A node-postgres pool for tests and benchmarks that read, seed or lock PostgreSQL themselves.
import pg from 'pg';

export interface SqlClient {
  /** The rows of `text` with `$1`-style parameters. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in a transaction on one connection of the pool. */
  transaction<T>(fn: (query: SqlClient['query']) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export function connectSql(url: string, opts: { max?: number; connectTimeoutMs?: number } = {}): SqlClient {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 1, connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000 });
  // A connection that dies (a drill stopping PostgreSQL) fails what waits on it; the next query reconnects.
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {});
  return {
    query: async (text, params = []) => (await pool.query(text, params)).rows,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(async (text, params = []) => (await client.query(text, params)).rows);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}
