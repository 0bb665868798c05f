// The worker role: one processor per job type, plus the sweeper loop that re-queues what was missed.
import { createRegressionPullRequests } from '../evaluators/regression_pr/queue.js';
import { createEmbedder } from '../families/grouping/embeddings.js';
import { processInboxEvents } from '../ingest/process_event.js';
import type { Services } from '../services.js';
import { deliverOutbox } from '../tickets/outbox.js';
import { scheduleTicketSync } from '../tickets/schedule.js';
import { syncFamilyTicket, type TicketSyncDeps } from '../tickets/sync.js';
import type { Processors } from './jobs.js';
import { startRetentionTimer } from './retention_timer.js';
import { outboxJobId } from './job_ids.js';
import { sweepOnce } from './sweeper.js';

const INBOX_BATCH = 500;
const PGLITE_INBOX_BATCH = 25;

export interface WorkerHandle {
  sweep(): Promise<{ events: number; tickets: number; outbox: number }>;
  stop(): Promise<void>;
}

export async function startWorker(services: Services): Promise<WorkerHandle> {
  const { database, queue, config, log } = services;
  const { env } = config;
  const db = database.db;
  const syncDeps: TicketSyncDeps = {
    db,
    sink: services.sink,
    config: config.file,
    defaultRepo: services.defaultRepo,
    leaseMs: env.RECUR_TICKET_LEASE_MS,
    updateIntervalMs: env.RECUR_TICKET_UPDATE_INTERVAL_MS,
    llm: env.RECUR_LLM_URL ? { url: env.RECUR_LLM_URL, apiKey: env.RECUR_LLM_API_KEY, model: env.RECUR_LLM_MODEL } : null,
  };
  const embedder =
    env.RECUR_EMBEDDINGS_URL && env.RECUR_EMBEDDINGS_MODEL
      ? createEmbedder(
          { url: env.RECUR_EMBEDDINGS_URL, model: env.RECUR_EMBEDDINGS_MODEL, apiKey: env.RECUR_EMBEDDINGS_API_KEY, threshold: env.RECUR_EMBEDDINGS_THRESHOLD, timeoutMs: env.RECUR_EMBEDDINGS_TIMEOUT_MS },
          log,
        )
      : null;
  const prConfig = config.file.evaluators.pull_requests;
  const pullRequests = createRegressionPullRequests({
    db,
    queue,
    sink: services.sink,
    log,
    leaseMs: env.RECUR_TICKET_LEASE_MS,
    settings: { enabled: prConfig.enabled, path: prConfig.path, branchPrefix: prConfig.branch_prefix },
  });

  // PGlite is one connection that the api's inserts share: its batches stay short.
  const batchLimit = env.RECUR_INBOX_BATCH ?? (database.kind === 'pglite' ? PGLITE_INBOX_BATCH : INBOX_BATCH);
  const processors: Processors = {
    'inbox.process': async ({ eventIds }) => {
      const processed = await processInboxEvents({ db, config: config.file, maxAttempts: env.RECUR_MAX_ATTEMPTS, batchLimit, log, embedder }, eventIds);
      log.debug({ listed: eventIds.length, processed: processed.length }, 'events processed');
      // One sync per family the batch changed, for the newest generation it reached.
      const dirty = new Map<string, number>();
      for (const { eventId, outcome } of processed) {
        if (outcome.result === 'github') {
          for (const familyId of outcome.github.touched) await scheduleTicketSync(queue, log, familyId);
          // Replies were written to the outbox with the change they answer; posting them is the queue's job.
          for (const id of outcome.github.outbox) {
            await queue.enqueue('outbox.deliver', { id }, { jobId: outboxJobId(id) }).catch((err) => log.warn({ err, id }, 'reply not queued; the sweeper will queue it'));
          }
          log.info({ eventId, note: outcome.github.note, touched: outcome.github.touched.length }, 'github event applied');
        }
        if (outcome.result === 'assigned' && outcome.assignment.ticketDirty) {
          const { familyId, ticketGeneration } = outcome.assignment;
          dirty.set(familyId, Math.max(dirty.get(familyId) ?? 0, ticketGeneration));
        }
      }
      for (const [familyId, generation] of dirty) await scheduleTicketSync(queue, log, familyId, { generation, delayMs: env.RECUR_TICKET_DELAY_MS });
    },
    'ticket.sync': async ({ familyId }) => {
      const outcome = await syncFamilyTicket(syncDeps, familyId);
      log.info({ familyId, ...outcome }, 'ticket synced');
      if (outcome.result === 'throttled') {
        const retryAt = Date.now() + outcome.retryInMs;
        await scheduleTicketSync(queue, log, familyId, { generation: `${outcome.generation}-at${Math.ceil(retryAt / 1000)}`, delayMs: outcome.retryInMs });
      }
      if ('followUp' in outcome && outcome.followUp) {
        // Its own id: a wake-up for that generation may still be finishing (as "busy") and would swallow it.
        await scheduleTicketSync(queue, log, familyId, { generation: `${outcome.followUp}-followup`, delayMs: env.RECUR_TICKET_DELAY_MS });
      }
      // After the ticket is written, never before or instead: a slow GitHub delays only the pull request.
      if ('number' in outcome) await pullRequests.schedule(familyId);
    },
    'regression.pull_request': ({ familyId }) => pullRequests.process(familyId),
    'outbox.deliver': async ({ id }) => {
      const result = await deliverOutbox(db, services.sink, id);
      log.info({ id, result }, 'outbox row delivered');
    },
  };
  await queue.work(processors, { concurrency: env.RECUR_WORKER_CONCURRENCY });

  const sweep = async () => {
    const swept = await sweepOnce(db, queue, { graceMs: Math.max(2_000, env.RECUR_SWEEP_INTERVAL_MS), batch: 500 });
    if (swept.events + swept.tickets + swept.outbox > 0) log.info(swept, 'sweeper re-queued work');
    const prs = await pullRequests.sweep({ graceMs: Math.max(2_000, env.RECUR_SWEEP_INTERVAL_MS), batch: 500 });
    if (prs > 0) log.info({ pullRequests: prs }, 'sweeper re-queued regression pull requests');
    return swept;
  };
  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweep().catch((err) => log.warn({ err }, 'sweep failed; will retry'));
  }, env.RECUR_SWEEP_INTERVAL_MS);
  timer.unref();
  // Work left pending by a previous run is picked up at once, not one interval later.
  sweeping = sweep().catch((err) => log.warn({ err }, 'first sweep failed; will retry'));
  const retention = startRetentionTimer(db, log, { days: env.RECUR_RETENTION_DAYS, intervalMs: env.RECUR_RETENTION_INTERVAL_MS });

  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await retention.stop();
      await sweeping;
    },
  };
}
