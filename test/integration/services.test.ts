// Smoke test for the integration-test infrastructure: real PostgreSQL and Redis are reachable and
// Redis can be restarted on the same port with clients reconnecting.
import { Redis } from 'ioredis';
import { connectSql } from '../helpers/sql.js';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../helpers/postgres.js';
import { startRedis } from '../helpers/redis.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

describe.skipIf(!pgUrl)('postgres', () => {
  it('creates an isolated database and queries it', async () => {
    const db = await createDatabase(pgUrl);
    const sql = connectSql(db.url);
    try {
      const [one] = await sql.query<{ one: number }>('select 1 as one');
      expect(one?.one).toBe(1);
      const [fsync] = await sql.query<{ fsync: string }>('show fsync');
      expect(fsync?.fsync).toBe('off');
      const [current] = await sql.query<{ db: string }>('select current_database() as db');
      expect(db.url.endsWith(`/${current?.db}`)).toBe(true);
    } finally {
      await sql.end();
      await db.drop();
    }
    const admin = connectSql(pgUrl);
    try {
      const rows = await admin.query('select 1 from pg_database where datname = $1', [new URL(db.url).pathname.slice(1)]);
      expect(rows.length).toBe(0);
    } finally {
      await admin.end();
    }
  });
});

describe.skipIf(!redisUrl)('redis', () => {
  it('answers PING on the shared server', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  // Uses a private server so restarting it can't disturb other test files sharing the global one.
  it('restarts on the same port and ioredis reconnects', async () => {
    const server = await startRedis();
    const client = new Redis(server.url, {
      lazyConnect: true,
      maxRetriesPerRequest: null,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.set('k', 'before');
      expect(await client.get('k')).toBe('before');

      const port = server.port;
      await server.stop();
      await server.start();
      expect(server.port).toBe(port);

      // Persistence is off, so the restarted server is empty.
      expect(await client.get('k')).toBeNull();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      await server.destroy();
    }
  });
});
