// The two comparison servers of the ingest benchmark, each run as its own process on PORT:
//   noop:  hono reading and parsing the body, answering 202 (the ceiling of HTTP + JSON on this machine);
//   naive: the same plus recur's checks (HMAC signature, body hash) and one INSERT … ON CONFLICT DO NOTHING
//          per request on node-postgres (recur's driver; pool of 10, a named statement) into `naive_inbox`,
//          a copy of recur's inbox table.
// Run: tsx bench/ingest_targets.ts noop|naive   (naive needs DATABASE_URL and LANGSMITH_WEBHOOK_SECRET);
// bench:ingest runs them compiled (compileScripts in bench_processes.ts), as it runs recur.
import { createHash } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { verifyHmacSha256 } from '../src/ingest/signature.js';

const mode = process.argv[2];
const port = Number(process.env.PORT);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const app = new Hono();

if (mode === 'noop') {
  app.post('/webhooks/langsmith', async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const parsed = JSON.parse(utf8.decode(body)) as { id: string };
    return c.json({ status: 'accepted', event_id: parsed.id }, 202);
  });
} else if (mode === 'naive') {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 10 });
  const secrets = [process.env.LANGSMITH_WEBHOOK_SECRET!];
  app.post('/webhooks/langsmith', async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (!verifyHmacSha256(body, c.req.header('x-langsmith-signature'), secrets)) return c.json({ error: 'unauthorized' }, 401);
    const text = utf8.decode(body);
    const envelope = JSON.parse(text) as { id: string; type: string; request_id?: string };
    try {
      const { rows } = await pool.query<{ id: string }>({
        name: 'naive-insert',
        text: `insert into naive_inbox (source, delivery_id, event_type, request_id, body_sha256, payload)
               values ('langsmith', $1, $2, $3, $4, $5::jsonb)
               on conflict (source, delivery_id) do nothing
               returning id`,
        values: [envelope.id, envelope.type, envelope.request_id ?? null, createHash('sha256').update(body).digest('hex'), JSON.stringify(envelope)],
      });
      return rows[0] ? c.json({ status: 'accepted', event_id: rows[0].id }, 202) : c.json({ status: 'duplicate' }, 200);
    } catch {
      return c.json({ error: 'unavailable' }, 503);
    }
  });
} else {
  throw new Error(`unknown target ${mode}: expected noop or naive`);
}

app.get('/readyz', (c) => c.json({ status: 'ready' }));
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));
