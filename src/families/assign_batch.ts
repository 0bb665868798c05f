// Assigns a batch of signals to their families in a fixed number of statements, whatever its size: the
// common case under load is many occurrences of families recur already knows. A signal whose upstream
// or fingerprint key already names a family joins it here, set-based: one lookup of every key, the
// families locked in id order, evidence, occurrences and history inserted in one statement each, and
// one update of all the families, folding applyOccurrence over each family's occurrences in arrival
// order. Signals that may found a family or need their title compared (no key known yet) go through
// assignSignal one by one first, so the set-based part finds what they created.
//
// Every statement here has the same text whatever the batch size (rows travel as one JSON or array
// parameter): statements are prepared once per connection, and one text per size would be a cache that
// grows with every new size, in recur and in the server.
import { asc, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import { jsonParam, rowsOf, uuidArray, type Db } from '../db/client.js';
import { families, familyTitles } from '../db/schema/index.js';
import { addEvidence, addHistory, addOccurrences, applyOccurrence, assignSignal, evidenceRow, occurrenceRow, planSignal, type AssignResult, type FamilyState, type HistoryRow, type SignalPlan } from './assign.js';
import { TITLE_KEY_SOURCE } from './keys.js';
import { MAX_TITLES_PER_FAMILY, titleTokens } from './near_duplicate.js';
import type { Severity, Signal } from './types.js';

export interface BatchSignal {
  signal: Signal;
  eventId: string;
  actor: string;
}

interface Joining extends BatchSignal {
  index: number;
  plan: SignalPlan;
  familyId: string;
  matchedBy: 'upstream' | 'fingerprint';
}

const keyId = (k: { source: string; key: string }) => `${k.source}\u0000${k.key}`;

/**
 * Held (to the end of the transaction) by a batch that founds families or learns keys one by one. Two
 * batches founding families would otherwise take key locks in different orders and deadlock, which is
 * what a burst of new failures reaching several workers at once does. Batches that only join known
 * families never take it.
 */
const FAMILY_CREATION_LOCK = 7_262_002;

/**
 * Assigns each signal as assignSignal would; results in the order given. Locks are taken in one order:
 * the family-creation lock (only when some signal has no known family), then every known family in id
 * order, then whatever founding new families takes.
 */
export async function assignSignals(tx: Db, batch: readonly BatchSignal[], config: FileConfig, now = new Date()): Promise<AssignResult[]> {
  const plans = batch.map((b) => planSignal(b.signal, config, now));
  let known = await knownFamilies(tx, plans);
  if (plans.some((plan) => !familyOf(plan, known))) {
    await tx.execute(sql`select pg_advisory_xact_lock(${FAMILY_CREATION_LOCK})`);
    // What the batches that held the lock before this one founded.
    known = await knownFamilies(tx, plans);
  }
  const familyIds = [...new Set(plans.flatMap((plan) => familyOf(plan, known)?.familyId ?? []))].sort();
  if (familyIds.length > 0) await tx.select({ id: families.id }).from(families).where(sql`${families.id} = any(${uuidArray(familyIds)})`).orderBy(asc(families.id)).for('update');

  const results: AssignResult[] = new Array(batch.length);
  const joining: Joining[] = [];
  for (const [index, item] of batch.entries()) {
    const plan = plans[index]!;
    const found = familyOf(plan, known);
    if (found) joining.push({ ...item, index, plan, ...found });
    // An unknown upstream key with a known fingerprint, a new failure, or a title to compare: one by one.
    else results[index] = await assignSignal(tx, item.signal, { config, eventId: item.eventId, actor: item.actor, now });
  }
  if (joining.length > 0) for (const [index, result] of await joinKnown(tx, joining, known)) results[index] = result;
  return results;
}

/** The family a signal joins by its keys alone, as findFamily would find it; undefined when that takes more. */
function familyOf(plan: SignalPlan, known: ReadonlyMap<string, string>): { familyId: string; matchedBy: 'upstream' | 'fingerprint' } | undefined {
  if (plan.keys.upstream) {
    const familyId = known.get(keyId(plan.keys.upstream));
    return familyId ? { familyId, matchedBy: 'upstream' } : undefined;
  }
  const familyId = known.get(keyId(plan.keys.fingerprint));
  return familyId ? { familyId, matchedBy: 'fingerprint' } : undefined;
}

/** Which family each key of the batch (upstream, fingerprint, title) names today. */
async function knownFamilies(tx: Db, plans: readonly SignalPlan[]): Promise<Map<string, string>> {
  const wanted = new Map<string, { source: string; key: string }>();
  for (const { keys } of plans) {
    for (const k of [keys.upstream, keys.fingerprint]) if (k) wanted.set(keyId(k), k);
    for (const key of keys.titles) wanted.set(keyId({ source: TITLE_KEY_SOURCE, key }), { source: TITLE_KEY_SOURCE, key });
  }
  if (wanted.size === 0) return new Map();
  const rows = await rowsOf<{ source: string; key: string; family_id: string }>(
    tx,
    sql`select k.source, k.key, k.family_id from family_keys k
        join jsonb_to_recordset(${jsonParam([...wanted.values()])}) as w(source text, key text) on k.source = w.source and k.key = w.key`,
  );
  return new Map(rows.map((r) => [keyId(r), r.family_id]));
}

async function joinKnown(tx: Db, joining: readonly Joining[], known: ReadonlyMap<string, string>): Promise<Map<number, AssignResult>> {
  // Locked by assignSignals; read now, after whatever the one-by-one signals changed.
  const familyIds = [...new Set(joining.map((j) => j.familyId))];
  const locked = await tx
    .select({ id: families.id, severity: families.severity, status: families.status, fixStatus: families.fixStatus, fixRelease: families.fixRelease })
    .from(families)
    .where(sql`${families.id} = any(${uuidArray(familyIds)})`);
  const state = new Map<string, FamilyState>(locked.map((f) => [f.id, { ...f, severity: f.severity as Severity }]));
  for (const id of familyIds) if (!state.has(id)) throw new Error(`family ${id} disappeared`);

  await learnKeys(tx, joining, known);
  const withTrace = joining.filter((j) => j.signal.trace);
  const added = withTrace.length > 0 ? await addEvidence(tx, withTrace.map((j) => evidenceRow(j.familyId, j.signal, j.eventId))) : new Set<string>();
  const occurrences = joining.filter((j) => j.signal.countsAsOccurrence !== false);
  if (occurrences.length > 0) await addOccurrences(tx, occurrences.map((j) => occurrenceRow(j.familyId, j.eventId, j.plan.occurredAt, j.plan.keys)));

  const history: HistoryRow[] = [];
  const changes = new Map<string, FamilyChange>();
  const effects: Array<{ j: Joining; traceAdded: boolean; dirty: boolean }> = [];
  for (const j of joining) {
    const family = state.get(j.familyId)!;
    const traceAdded = added.has(j.eventId);
    const counts = j.signal.countsAsOccurrence !== false;
    const effect = applyOccurrence(family, { severity: j.plan.severity, created: false, traceAdded, counts, eventId: j.eventId, trace: j.signal.trace, release: j.signal.release });
    state.set(j.familyId, effect.family);
    history.push(...effect.history.map((h) => ({ ...h, familyId: j.familyId, actor: j.actor })));
    const change = changes.get(j.familyId) ?? { id: j.familyId, severity: family.severity, events: 0, traces: 0, first_seen: j.plan.occurredAt, last_seen: j.plan.occurredAt, dirty: 0, regressed: 0 };
    change.severity = effect.family.severity;
    change.events += 1;
    change.traces += traceAdded ? 1 : 0;
    if (j.plan.occurredAt < change.first_seen) change.first_seen = j.plan.occurredAt;
    if (j.plan.occurredAt > change.last_seen) change.last_seen = j.plan.occurredAt;
    change.dirty = effect.ticketDirty ? 1 : change.dirty;
    change.regressed += effect.regressed ? 1 : 0;
    changes.set(j.familyId, change);
    effects.push({ j, traceAdded, dirty: effect.ticketDirty });
  }
  await addHistory(tx, history);
  const generations = await updateFamilies(tx, [...changes.values()]);

  return new Map(
    effects.map(({ j, traceAdded, dirty }) => [
      j.index,
      { familyId: j.familyId, created: false, matchedBy: j.matchedBy, traceAdded, ticketDirty: dirty, ticketGeneration: generations.get(j.familyId)! },
    ]),
  );
}

interface FamilyChange {
  id: string;
  severity: number;
  events: number;
  traces: number;
  first_seen: Date;
  last_seen: Date;
  /** 1 when the ticket needs a sync: one generation per batch, however many occurrences asked for it. */
  dirty: number;
  regressed: number;
}

/** One statement for every family the batch touched; returns each family's ticket generation after it. */
async function updateFamilies(tx: Db, changes: readonly FamilyChange[]): Promise<Map<string, number>> {
  const rows = await rowsOf<{ id: string; ticket_generation: number }>(
    tx,
    sql`
      update families f set
        severity = c.severity,
        event_count = f.event_count + c.events,
        trace_count = f.trace_count + c.traces,
        first_seen = least(f.first_seen, c.first_seen),
        last_seen = greatest(f.last_seen, c.last_seen),
        ticket_generation = f.ticket_generation + c.dirty,
        status = case when c.regressed > 0 then 'regressed' else f.status end,
        reopen_count = f.reopen_count + c.regressed,
        updated_at = now()
      from jsonb_to_recordset(${jsonParam(changes)})
        as c(id uuid, severity smallint, events int, traces int, first_seen timestamptz, last_seen timestamptz, dirty int, regressed int)
      where f.id = c.id
      returning f.id, f.ticket_generation`,
  );
  return new Map(rows.map((r) => [r.id, Number(r.ticket_generation)]));
}

/**
 * What assign.ts's learnKeys does, for the whole batch: every key a signal brought points at its family
 * (a key already naming a family keeps it, so the keys `known` names are not sent again), and new
 * wordings of message-less signals join the family's known wordings up to MAX_TITLES_PER_FAMILY.
 */
async function learnKeys(tx: Db, joining: readonly Joining[], known: ReadonlyMap<string, string>): Promise<void> {
  const keys = new Map<string, { source: string; key: string; url?: string; familyId: string }>();
  const wordings = new Map<string, Set<string>>();
  const learn = (k: { source: string; key: string; url?: string }, familyId: string) => {
    const id = keyId(k);
    if (!known.has(id) && !keys.has(id)) keys.set(id, { source: k.source, key: k.key, url: k.url, familyId });
  };
  for (const { familyId, plan, signal } of joining) {
    for (const k of [plan.keys.upstream, plan.keys.fingerprint]) if (k) learn(k, familyId);
    for (const key of plan.keys.titles) learn({ source: TITLE_KEY_SOURCE, key }, familyId);
    if (plan.keys.titles.length > 0) wordings.set(familyId, (wordings.get(familyId) ?? new Set()).add(titleTokens(signal.title).join(' ')));
  }
  if (keys.size > 0) await insertKeys(tx, [...keys.values()]);
  if (wordings.size === 0) return;
  const counts = await tx
    .select({ familyId: familyTitles.familyId, known: sql<number>`count(*)::int`.mapWith(Number) })
    .from(familyTitles)
    .where(sql`${familyTitles.familyId} = any(${uuidArray([...wordings.keys()])})`)
    .groupBy(familyTitles.familyId);
  const knownOf = new Map(counts.map((c) => [c.familyId, c.known]));
  const rows = [...wordings].flatMap(([familyId, tokens]) => [...tokens].slice(0, Math.max(0, MAX_TITLES_PER_FAMILY - (knownOf.get(familyId) ?? 0))).map((t) => ({ family_id: familyId, tokens: t })));
  if (rows.length > 0) {
    await tx.execute(sql`
      insert into family_titles (family_id, tokens)
      select family_id, tokens from jsonb_to_recordset(${jsonParam(rows)}) as t(family_id uuid, tokens text)
      on conflict do nothing`);
  }
}

async function insertKeys(tx: Db, keys: ReadonlyArray<{ source: string; key: string; url?: string; familyId: string }>): Promise<void> {
  await tx.execute(sql`
    insert into family_keys (source, key, url, family_id)
    select source, key, url, family_id from jsonb_to_recordset(${jsonParam(keys.map((k) => ({ source: k.source, key: k.key, url: k.url ?? null, family_id: k.familyId })))})
      as k(source text, key text, url text, family_id uuid)
    on conflict do nothing`);
}
