// GET /metrics: Prometheus text. The gauges for stored state are read at scrape time, bounded by a
// timeout so an unreachable database still lets the process metrics through.
import type { Hono } from 'hono';
import { readStateGauges } from '../../telemetry/state_gauges.js';
import { familiesByStatus, inboxRows, oldestPendingAge, queueDepth, registry } from '../../telemetry/metrics.js';
import type { AppEnv } from '../context.js';

export function registerMetrics(app: Hono<AppEnv>) {
  app.get('/metrics', async (c) => {
    const { database, queue, log } = c.var.services;
    try {
      const state = await readStateGauges(database.db, queue, 2_000);
      for (const [name, depth] of Object.entries(state.queueDepth)) queueDepth.set({ queue: name }, depth);
      for (const [stateName, count] of Object.entries(state.inbox)) inboxRows.set({ state: stateName }, count);
      oldestPendingAge.set(state.oldestPendingAgeSeconds);
      familiesByStatus.reset();
      for (const [status, count] of Object.entries(state.families)) familiesByStatus.set({ status }, count);
    } catch (err) {
      log.warn({ err }, 'metrics: stored state unreadable; serving process metrics only');
    }
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
}
