// Asks for a family's ticket to be synced soon. Best effort: the sweeper finds any family whose ticket is
// behind its generation, so a queue hiccup here delays the sync but never loses it.
import { randomUUID } from 'node:crypto';
import type { JobQueue } from '../queue/jobs.js';
import { ticketJobId } from '../queue/job_ids.js';

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * `generation` names what the job is for (the family's ticket generation after the change, or a retry
 * time): jobs for the same thing collapse into one. Without it the job is new every time.
 */
export async function scheduleTicketSync(queue: JobQueue, log: Logger, familyId: string, opts: { generation?: number | string; delayMs?: number } = {}): Promise<void> {
  await queue
    .enqueue('ticket.sync', { familyId }, { jobId: ticketJobId(familyId, opts.generation ?? `r${randomUUID()}`), delayMs: opts.delayMs ?? 0 })
    .catch((err) => log.warn({ err, familyId }, 'ticket sync not queued; the sweeper will queue it'));
}
