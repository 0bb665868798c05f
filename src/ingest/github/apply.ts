// Applies a GitHub webhook to recur's state inside the processing transaction: what engineers do on a
// ticket (close, reopen, label, assign), a merged fix or its revert, a /recur command, a published
// release. Returns the families touched (their tickets are then synced) and the replies written to the outbox.
import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { families, tickets } from '../../db/schema/index.js';
import { recordHistory } from '../../families/history.js';
import { mergeFamilies } from '../../families/merge.js';
import { BOUNDARIES, type Boundary } from '../../families/types.js';
import { updateFamily } from '../../families/update.js';
import { writeReplies, type GitHubReply } from '../../tickets/replies.js';
import { closingReferences, parseRecurCommand, revertedPullRequest, TRUSTED_ASSOCIATIONS, type IssueReference } from './commands.js';
import { GITHUB_EVENTS, type GitHubEventName } from './events.js';
import { z } from 'zod';

/** `outbox`: the replies written as outbox rows in the processing transaction, to be posted from the queue. */
export interface GitHubOutcome {
  touched: string[];
  outbox: string[];
  note: string;
}

interface Applied {
  touched: string[];
  replies: GitHubReply[];
  note: string;
}

type Payload<N extends GitHubEventName> = z.output<(typeof GITHUB_EVENTS)[N]>;

export async function applyGitHubEvent(tx: Db, name: GitHubEventName, payload: unknown): Promise<GitHubOutcome> {
  const { touched, replies, note } = await apply(tx, name, payload);
  // In this transaction: a reply is committed with the change it answers, or not at all.
  return { touched, outbox: await writeReplies(tx, replies), note };
}

async function apply(tx: Db, name: GitHubEventName, payload: unknown): Promise<Applied> {
  const parsed = GITHUB_EVENTS[name].safeParse(payload);
  if (!parsed.success) return none(`unreadable ${name} payload: ${parsed.error.issues[0]?.message}`);
  switch (name) {
    case 'issues':
      return onIssue(tx, parsed.data as Payload<'issues'>);
    case 'pull_request':
      return onPullRequest(tx, parsed.data as Payload<'pull_request'>);
    case 'issue_comment':
      return onComment(tx, parsed.data as Payload<'issue_comment'>);
    case 'release':
      return onRelease(tx, parsed.data as Payload<'release'>);
  }
}

const none = (note: string): Applied => ({ touched: [], replies: [], note });

/** A person changed the issue's state on GitHub: it is already where the family now is, nothing to send. */
async function ticketFollowsFamily(tx: Db, ticketId: string, familyId: string) {
  await tx
    .update(tickets)
    .set({ liveEpoch: sql`(select ${families.liveEpoch} from ${families} where ${families.id} = ${familyId})` })
    .where(eq(tickets.id, ticketId));
}

async function familyOfTicket(tx: Db, ref: IssueReference) {
  const [row] = await tx
    .select({ family: families, ticket: tickets })
    .from(tickets)
    .innerJoin(families, eq(families.id, tickets.familyId))
    .where(and(eq(tickets.provider, 'github'), sql`lower(${tickets.repo}) = ${ref.repo.toLowerCase()}`, eq(tickets.number, ref.number)))
    .for('update');
  return row?.family.mergedInto ? undefined : row;
}

async function onIssue(tx: Db, e: Payload<'issues'>): Promise<Applied> {
  const found = await familyOfTicket(tx, { repo: e.repository.full_name, number: e.issue.number });
  if (!found) return none('not a recur ticket');
  const { family, ticket } = found;
  const actor = `github:${e.sender?.login ?? 'unknown'}`;
  switch (e.action) {
    case 'closed': {
      await tx.update(tickets).set({ state: 'closed' }).where(eq(tickets.id, ticket.id));
      if (family.status === 'resolved' || family.status === 'ignored') return none('already closed in recur');
      const notPlanned = e.issue.state_reason === 'not_planned';
      const status = notPlanned ? 'ignored' : 'resolved';
      await tx
        .update(families)
        .set({ status, resolvedAt: notPlanned ? family.resolvedAt : sql`now()`, ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` })
        .where(eq(families.id, family.id));
      await recordHistory(tx, family.id, 'status_changed', actor, { from: family.status, to: status, via: 'issue closed', state_reason: e.issue.state_reason ?? null });
      await ticketFollowsFamily(tx, ticket.id, family.id);
      return { touched: [family.id], replies: [], note: `family ${status}` };
    }
    case 'reopened': {
      await tx.update(tickets).set({ state: 'open' }).where(eq(tickets.id, ticket.id));
      if (family.status !== 'resolved' && family.status !== 'ignored') return none('already open in recur');
      await tx.update(families).set({ status: 'open', ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` }).where(eq(families.id, family.id));
      await recordHistory(tx, family.id, 'status_changed', actor, { from: family.status, to: 'open', via: 'issue reopened' });
      await ticketFollowsFamily(tx, ticket.id, family.id);
      return { touched: [family.id], replies: [], note: 'family open' };
    }
    case 'labeled': {
      const name = e.label?.name ?? '';
      const severity = /^sev:([0-3])$/.exec(name);
      const boundary = /^boundary:(.+)$/.exec(name)?.[1];
      if (severity && Number(severity[1]) !== family.severity) {
        await updateFamily(tx, { familyId: family.id, changes: { severity: Number(severity[1]) as 0 | 1 | 2 | 3 }, actor });
        return { touched: [family.id], replies: [], note: 'severity from label' };
      }
      // recur labels its own tickets: GitHub reports those labels back, and they are not a person's word.
      const recurs = ticket.labels.includes(name);
      if (boundary && (BOUNDARIES as readonly string[]).includes(boundary) && boundary !== family.boundary && !recurs) {
        await updateFamily(tx, { familyId: family.id, changes: { boundary: boundary as Boundary }, actor });
        return { touched: [family.id], replies: [], note: 'boundary from label' };
      }
      return none('label needs no change');
    }
    case 'assigned': {
      const login = e.assignee?.login;
      // recur's own assignments come back as events too; they name an assignee the family already has.
      if (!login || family.ownerAssignees.includes(login)) return none('assignee known');
      // An assignment made on GitHub is a person's choice: it is kept, and the rules no longer change the owner.
      await updateFamily(tx, {
        familyId: family.id,
        changes: { owner: { assignees: [...family.ownerAssignees, login] }, ownerReason: `@${login} assigned on GitHub by ${actor}` },
        actor,
      });
      return { touched: [family.id], replies: [], note: 'assignee added' };
    }
    default:
      return none(`issues.${e.action} needs nothing`);
  }
}

async function onPullRequest(tx: Db, e: Payload<'pull_request'>): Promise<Applied> {
  const pr = e.pull_request;
  if (e.action !== 'closed' || !pr.merged) return none('not a merged pull request');
  const repo = e.repository.full_name;
  const actor = `github:${repo}#${pr.number}`;
  const touched: string[] = [];

  const reverted = revertedPullRequest(pr.title, pr.body ?? '', repo);
  if (reverted) {
    // On the same host as the revert: github.com, or a GitHub Enterprise Server.
    const originalUrl = `${new URL(pr.html_url).origin}/${reverted.repo}/pull/${reverted.number}`.toLowerCase();
    const fixed = await tx.select().from(families).where(and(sql`lower(${families.fixPullRequest}) = ${originalUrl}`, isNull(families.mergedInto))).for('update');
    for (const family of fixed) {
      const reopen = family.status === 'resolved';
      await tx
        .update(families)
        .set({
          fixStatus: 'reverted',
          status: reopen ? 'open' : family.status,
          reopenCount: reopen ? sql`${families.reopenCount} + 1` : family.reopenCount,
          ticketGeneration: sql`${families.ticketGeneration} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(families.id, family.id));
      await recordHistory(tx, family.id, 'fix_changed', actor, { fix: 'reverted', pull_request: originalUrl, revert: pr.html_url, reopened: reopen });
      touched.push(family.id);
    }
    return { touched, replies: [], note: `revert of ${originalUrl}` };
  }

  const mergedAt = pr.merged_at ? new Date(pr.merged_at) : new Date();
  for (const ref of closingReferences(`${pr.title}\n${pr.body ?? ''}`, repo)) {
    const found = await familyOfTicket(tx, ref);
    if (!found) continue;
    const { family, ticket } = found;
    // GitHub closes the issue itself (merged into the default branch), and its `issues` event may never come:
    // recur's copy says closed now, and the family turning live again reopens it in any case.
    if (closesOnMerge(e)) await tx.update(tickets).set({ state: 'closed' }).where(eq(tickets.id, ticket.id));
    const resolve = family.status !== 'ignored';
    await tx
      .update(families)
      .set({
        fixStatus: 'merged',
        fixPullRequest: pr.html_url,
        fixMergedAt: mergedAt,
        fixRelease: null,
        status: resolve ? 'resolved' : family.status,
        resolvedAt: resolve ? mergedAt : family.resolvedAt,
        ticketGeneration: sql`${families.ticketGeneration} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(families.id, family.id));
    // Closed by GitHub for this turn: a reopen of an earlier turn whose answer comes later must not undo it.
    if (closesOnMerge(e)) await ticketFollowsFamily(tx, ticket.id, family.id);
    await recordHistory(tx, family.id, 'fix_changed', actor, { fix: 'merged', pull_request: pr.html_url, from: family.status, to: resolve ? 'resolved' : family.status });
    touched.push(family.id);
  }
  return { touched, replies: [], note: touched.length ? 'fix merged' : 'closes no recur ticket' };
}

/** GitHub acts on closing keywords only in pull requests merged into the default branch. */
function closesOnMerge(e: Payload<'pull_request'>): boolean {
  const base = e.pull_request.base?.ref;
  const defaultBranch = e.repository.default_branch;
  return !base || !defaultBranch || base === defaultBranch;
}

async function onComment(tx: Db, e: Payload<'issue_comment'>): Promise<Applied> {
  if (e.action !== 'created') return none('comment not created');
  const command = parseRecurCommand(e.comment.body ?? '');
  if (!command) return none('no /recur command');
  if (!TRUSTED_ASSOCIATIONS.has(e.comment.author_association ?? '')) return none(`ignored a /recur command from ${e.comment.author_association ?? 'unknown'}`);
  const repo = e.repository.full_name;
  const found = await familyOfTicket(tx, { repo, number: e.issue.number });
  if (!found) return none('not a recur ticket');
  const { family } = found;
  const actor = `github:${e.comment.user.login}`;
  const reply = (body: string): GitHubReply => ({
    familyId: family.id,
    issue: { repo, number: e.issue.number },
    key: `command:${e.comment.id}`,
    body: `@${e.comment.user.login} ${body}`,
  });

  switch (command.command) {
    case 'invalid':
      return { touched: [], replies: [reply(`I did not understand that: ${command.message}.`)], note: 'invalid command' };
    case 'ignore':
      await updateFamily(tx, { familyId: family.id, changes: { status: 'ignored' }, actor });
      return { touched: [family.id], replies: [reply('ignored: this family will not reopen or block a release gate. `/recur` cannot undo this yet; reopen the family through the API.')], note: 'ignore' };
    case 'severity':
      await updateFamily(tx, { familyId: family.id, changes: { severity: command.severity }, actor });
      return { touched: [family.id], replies: [reply(`severity set to sev${command.severity}.`)], note: 'severity' };
    case 'boundary':
      await updateFamily(tx, { familyId: family.id, changes: { boundary: command.boundary }, actor });
      return {
        touched: [family.id],
        replies: [reply(`boundary set to \`${command.boundary}\`${command.boundary === 'unknown' ? '' : '; new families with the same evidence will start with it'}.`)],
        note: 'boundary',
      };
    case 'merge': {
      const target = await familyOfTicket(tx, { repo, number: command.number });
      if (!target) return { touched: [], replies: [reply(`#${command.number} is not a recur ticket in this repository.`)], note: 'merge target unknown' };
      const merged = await mergeFamilies(tx, { sourceId: family.id, targetId: target.family.id, actor });
      if (merged.result !== 'merged') return { touched: [], replies: [reply(`could not merge: ${'message' in merged ? merged.message : merged.result}.`)], note: 'merge refused' };
      return { touched: [family.id, target.family.id], replies: [reply(`merged into #${command.number}; this ticket closes as its duplicate.`)], note: 'merge' };
    }
  }
}

async function onRelease(tx: Db, e: Payload<'release'>): Promise<Applied> {
  if (e.action !== 'published') return none('release not published');
  const publishedAt = new Date(e.release.published_at ?? e.release.created_at ?? Date.now());
  const repo = e.repository.full_name.toLowerCase();
  const repoUrl = (e.repository.html_url ?? `https://github.com/${repo}`).toLowerCase();
  const released = await tx
    .update(families)
    .set({ fixStatus: 'released', fixRelease: e.release.tag_name, ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` })
    .where(
      and(
        eq(families.fixStatus, 'merged'),
        lte(families.fixMergedAt, publishedAt),
        sql`lower(${families.fixPullRequest}) like ${`${repoUrl}/pull/%`}`,
      ),
    )
    .returning({ id: families.id });
  for (const { id } of released) await recordHistory(tx, id, 'fix_changed', `github:${repo}`, { fix: 'released', release: e.release.tag_name });
  return { touched: released.map((r) => r.id), replies: [], note: `${released.length} fixes released in ${e.release.tag_name}` };
}
