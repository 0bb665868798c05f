// GET /healthz (the process is up) and GET /readyz (the database and the queue answer; else 503).
import type { Hono } from 'hono';
import type { AppEnv } from '../context.js';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export function registerHealth(app: Hono<AppEnv>) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const { database, queue, lifecycle } = c.var.services;
    if (lifecycle.draining) return c.json({ status: 'draining', database: database.kind, queue: queue.driver, checks: {} }, 503);
    const [db, q] = await Promise.allSettled([withTimeout(database.ping(), 2_000), withTimeout(queue.ping(), 2_000)]);
    const checks = {
      database: db.status === 'fulfilled' ? 'ok' : `unavailable: ${(db.reason as Error).message}`,
      queue: q.status === 'fulfilled' ? 'ok' : `unavailable: ${(q.reason as Error).message}`,
    };
    const ready = db.status === 'fulfilled' && q.status === 'fulfilled';
    return c.json({ status: ready ? 'ready' : 'unavailable', database: database.kind, queue: queue.driver, checks }, ready ? 200 : 503);
  });
}
