// Starts recur's roles from config: `all` (API and worker in one process, the default), `api`, `worker`,
// or `migrate`. Exits non-zero with a readable message when the configuration is wrong.
import { setFlagsFromString } from 'node:v8';
import { serve } from '@hono/node-server';
import { disabledChecks, loadConfig, type Config } from './config/index.js';
import { ConfigError } from './config/errors.js';
import { openDatabase } from './db/client.js';
import { createApp, createOpsApp } from './http/app.js';
import { startWorker, type WorkerHandle } from './queue/worker.js';
import { createServices } from './services.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { startTracing } from './telemetry/tracing.js';

const ROLES = ['all', 'api', 'worker', 'migrate'] as const;
type Role = (typeof ROLES)[number];

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!ROLES.includes(role)) throw new ConfigError(`unknown role "${role}": expected one of ${ROLES.join(', ')}`);
  const config = loadConfig();
  const log = createLogger(config.env.LOG_LEVEL).child({ role });
  // V8 lets the old generation grow to up to 4x what survived the last full collection before collecting
  // again. Under bench:e2e's 1,000/s the worker's live heap after a full collection is 40-50 MB, but it
  // grew to about 165 MB between collections: RSS 283-333 MB. At 2x (three runs): worker 199-223 MB, api
  // 165-168 MB (from 206), the same CPU. No cap: the heap still grows with what is live (docs/operations.md#memory).
  if (config.env.RECUR_HEAP_GROWING_PERCENT > 0) setFlagsFromString(`--heap-growing-percent=${config.env.RECUR_HEAP_GROWING_PERCENT}`);

  if (role === 'migrate') return migrateOnly(config, log);
  if (role !== 'all' && !config.env.DATABASE_URL) {
    throw new ConfigError(
      `the "${role}" role needs DATABASE_URL: the embedded PGlite database belongs to a single process. ` +
        'Run both roles together with `npm start`, or point every role at PostgreSQL.',
    );
  }
  for (const off of disabledChecks(config.env)) log.warn(`SECURITY: ${off} is not set; that check is OFF`);

  const tracing = startTracing(process.env, role);
  if (tracing.exporting) log.info('exporting traces over OTLP/HTTP');
  const services = await createServices(config, log);
  let worker: WorkerHandle | undefined;
  if (role === 'all' || role === 'worker') worker = await startWorker(services);
  // The worker serves only /healthz, /readyz and /metrics, so it can be health-checked and scraped too.
  const app = role === 'worker' ? createOpsApp(services) : createApp(services);
  const server = serve({ fetch: app.fetch, port: config.env.PORT, hostname: config.env.HOST }, (info) =>
    log.info({ port: info.port, host: config.env.HOST }, `recur ${role === 'worker' ? 'worker metrics and health' : role} listening on http://${config.env.HOST}:${info.port}`),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const bound = config.env.RECUR_SHUTDOWN_TIMEOUT_MS;
    log.info({ signal, timeout_ms: bound }, 'shutting down: draining requests and jobs');
    const forced = setTimeout(() => {
      // Whatever was cut short is still pending in the database and is picked up after the restart.
      log.error({ timeout_ms: bound }, 'shutdown bound reached; exiting with work still running');
      process.exit(1);
    }, bound);
    forced.unref();
    services.lifecycle.draining = true;
    // No new connections. Requests in flight are answered (their deliveries committed); answers sent while
    // draining say `Connection: close`, and kept-alive sockets are closed as soon as they fall idle.
    const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
    const idleCloser = setInterval(() => http.closeIdleConnections(), 50);
    const cutOff = setTimeout(() => http.closeAllConnections(), bound / 2);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      http.closeIdleConnections();
    });
    clearInterval(idleCloser);
    clearTimeout(cutOff);
    log.info('listener closed; stopping the worker');
    await worker?.stop();
    await services.close();
    await tracing.shutdown();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function migrateOnly(config: Config, log: Logger): Promise<void> {
  const database = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.env.RECUR_DATA_DIR });
  try {
    await database.migrate();
    log.info({ database: database.kind }, 'migrations applied');
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`recur: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`recur: failed to start: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
