// Job ids: every job's id derives from the durable row it works on (docs/architecture.md rule 2), so
// queueing the same work twice is a no-op. One place names them all.

/** A job's id is that of the first inbox row it names: queueing the same rows again is a no-op. */
export const inboxJobId = (eventId: string) => `inbox-${eventId}`;

/**
 * A replay numbers its job: the earlier run's job may still exist under the row's own id (a queue that
 * keeps failed jobs, or one still finishing), and queueing that id again would be a no-op.
 */
export const replayJobId = (eventId: string, replay: number) => `${inboxJobId(eventId)}-replay-${replay}`;

/**
 * One job per generation asked for: a change made while an older sync is still finishing gets a job of its
 * own instead of being swallowed as a duplicate; repeats for the same generation still collapse.
 */
export const ticketJobId = (familyId: string, generation: number | string) => `ticket-${familyId}-g${generation}`;

/** One job per outbox row at a time: the sweeper re-queueing a row whose job is still retrying is a no-op. */
export const outboxJobId = (id: string) => `outbox-${id}`;

/** One job per revision of a family's regression pull request. */
export const regressionPullRequestJobId = (familyId: string, revision: number) => `regression-pr-${familyId}-r${revision}`;
