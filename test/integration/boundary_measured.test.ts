// The boundary target measured end to end: each labelled boundary set (test/fixtures/boundary_signals, written
// blind to the classifier) goes through the real ingest, grouping and assignment path on PGlite, in the worker's
// PGlite batches, and each signal is scored by the boundary of the family it landed in against that signal's
// accepted boundaries. Grouping may split or merge differently from the labels; that is measured.
// - boundary-set.json (470 signals): its families are split into a tune half and a report half by a hash of
//   the label; the rules were studied on the tune half only.
// - boundary-set-2.json (359 signals, eight other workflows): written later by another helper and studied
//   whole, so all of it is tune.
// - boundary-set-3.json to boundary-set-5.json (340, 363 and 351 signals, ten other workflows each): each
//   written by another helper as a holdout, run once as it came, then studied whole: tune.
// - boundary-set-6.json to boundary-set-10.json (367, 361, 360, 360 and 365 signals, ten more workflows
//   each): holdouts or new sets, run once each as they came, then studied whole (their misses read for the
//   rules, and the word model trained on them): tune.
// - boundary-set-11.json (370 signals, ten more workflows): the holdout after that, run once, then studied
//   (its misses read for the rules, the word model trained on it): tune.
// - boundary-set-12.json (370 signals, ten more workflows): the holdout after that, run once, then studied
//   (its misses read for the rules, the word model trained on it): tune.
// - boundary-set-13.json (369 signals, ten more workflows): the holdout after that, run once, then studied
//   (its misses read for the rules, the word model trained on it): tune.
// - boundary-set-14.json (375 signals, ten more workflows): the holdout after that, run once, then studied
//   (its misses read for the rules, the word model trained on it): tune.
// - boundary-set-15.json (394 signals, ten more workflows): the holdout after that, run once, then studied
//   (its misses read for the rules, the word model trained on it): tune.
// - boundary-set-16.json (400 signals, ten more workflows): written after that, never studied: all of it is
//   report, a holdout.
// - boundary-set-17.json (404 signals, ten more workflows): written after that, never studied: all of it is
//   report, a holdout.
// - boundary-set-18.json (402 signals, ten more workflows): written after that, never studied: all of it is
//   report, a holdout.
import { readFileSync } from 'node:fs';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfOf } from '../../bench/boundary_sets.js';
import { families, familyHistory } from '../../src/db/schema/index.js';
import { boundaryEvidence, classifyBoundary, type BoundaryEvidence } from '../../src/families/boundary.js';
import type { Boundary } from '../../src/families/types.js';
import { signalSchema, toSignal } from '../../src/ingest/signals/schema.js';
import { groupLabelled, type LabelledSignal } from '../helpers/grouping_run.js';
import { startHarness, type Harness } from '../helpers/recur.js';

interface BoundarySet {
  signals: LabelledSignal[];
  truth: Record<string, string>;
  families: Record<string, { accepted: Boundary[] }>;
}

const load = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/boundary_signals/${name}`, import.meta.url), 'utf8')) as BoundarySet;

// Floors, not the target: they sit a little under the figures measured (docs/boundary.md, "Measured end to
// end"), which move with every grouping change. The word model (boundary_words.ts) was trained on the first
// set's tune half and the second to fifteenth sets, so their figures show how well it fits what it learned
// from, not how well it reads new signals: the first set's report half and the sixteenth and seventeenth
// sets measure that.
describe.each([
  { name: 'boundary-set.json', split: halfOf, floor: { accepted: 0.91, unknown: 0.05 } },
  { name: 'boundary-set-2.json', split: () => 'tune', floor: { accepted: 0.93, unknown: 0.02 } },
  // At least 95% until two families compared report by report (2026-12-07), 94.7% since: its merges put signals of
  // one boundary family in another's.
  { name: 'boundary-set-3.json', split: () => 'tune', floor: { accepted: 0.94, unknown: 0.02 } },
  { name: 'boundary-set-4.json', split: () => 'tune', floor: { accepted: 0.95, unknown: 0.01 } },
  { name: 'boundary-set-5.json', split: () => 'tune', floor: { accepted: 0.93, unknown: 0.02 } },
  { name: 'boundary-set-6.json', split: () => 'tune', floor: { accepted: 0.87, unknown: 0.06 } },
  { name: 'boundary-set-7.json', split: () => 'tune', floor: { accepted: 0.9, unknown: 0.03 } },
  { name: 'boundary-set-8.json', split: () => 'tune', floor: { accepted: 0.9, unknown: 0.04 } },
  { name: 'boundary-set-9.json', split: () => 'tune', floor: { accepted: 0.95, unknown: 0.03 } },
  { name: 'boundary-set-10.json', split: () => 'tune', floor: { accepted: 0.95, unknown: 0.02 } },
  { name: 'boundary-set-11.json', split: () => 'tune', floor: { accepted: 0.94, unknown: 0.02 } },
  { name: 'boundary-set-12.json', split: () => 'tune', floor: { accepted: 0.95, unknown: 0.04 } },
  { name: 'boundary-set-13.json', split: () => 'tune', floor: { accepted: 0.96, unknown: 0.02 } },
  { name: 'boundary-set-14.json', split: () => 'tune', floor: { accepted: 0.96, unknown: 0.01 } },
  { name: 'boundary-set-15.json', split: () => 'tune', floor: { accepted: 0.94, unknown: 0.03 } },
  // The holdout, below the target (90% / 5%) when it came: docs/boundary.md says why.
  { name: 'boundary-set-16.json', split: () => 'report', floor: { accepted: 0.75, unknown: 0.15 } },
  // The second holdout: at the accepted target, over the unknown one (docs/boundary.md).
  { name: 'boundary-set-17.json', split: () => 'report', floor: { accepted: 0.88, unknown: 0.09 } },
  // The third holdout: at both targets when it came (docs/boundary.md).
  { name: 'boundary-set-18.json', split: () => 'report', floor: { accepted: 0.89, unknown: 0.06 } },
])('boundaries of families made by the real pipeline from $name', ({ name, split, floor }) => {
  const set = load(name);
  let h: Harness;
  let landed: Array<{ label: string; cluster: string; signal: LabelledSignal }>;
  let decided: Map<string, typeof families.$inferSelect>;

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false });
    const db = h.services.database.db;
    landed = await groupLabelled(db, h.services.config.file, set.signals, (s) => set.truth[s.id]!, { batch: 25 });
    const rows = await db.select().from(families).where(inArray(families.id, [...new Set(landed.map((l) => l.cluster))]));
    decided = new Map(rows.map((f) => [f.id, f]));
  }, 300_000);
  afterAll(() => h?.close());

  it(`puts at least ${100 * floor.accepted}% of signals in a family whose boundary they accept and at most ${100 * floor.unknown}% in an unknown one (target 90% / 5%)`, () => {
    const score = (items: typeof landed) => {
      const accepted = items.filter((l) => set.families[l.label]!.accepted.includes(decided.get(l.cluster)!.boundary)).length;
      const unknown = items.filter((l) => decided.get(l.cluster)!.boundary === 'unknown').length;
      return { signals: items.length, accepted: accepted / items.length, unknown: unknown / items.length };
    };
    const all = score(landed);
    const tune = score(landed.filter((l) => split(l.label) === 'tune'));
    const report = score(landed.filter((l) => split(l.label) === 'report'));
    const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
    console.log(
      `[boundary e2e] ${name}: ${landed.length} signals, ${Object.keys(set.families).length} labelled families -> ${decided.size} families; ` +
        `in an accepted boundary: all ${pct(all.accepted)}, tune ${pct(tune.accepted)}, report ${pct(report.accepted)}; ` +
        `unknown: all ${pct(all.unknown)}, tune ${pct(tune.unknown)}, report ${pct(report.unknown)}`,
    );
    const size = new Map<string, number>();
    for (const l of landed) size.set(l.cluster, (size.get(l.cluster) ?? 0) + 1);
    const alone = score(landed.filter((l) => size.get(l.cluster) === 1));
    const grouped = score(landed.filter((l) => size.get(l.cluster)! > 1));
    console.log(
      `[boundary e2e] ${name}: ${alone.signals} signals alone in their family: accepted ${pct(alone.accepted)}, unknown ${pct(alone.unknown)}; ` +
        `${grouped.signals} in families of 2 or more: accepted ${pct(grouped.accepted)}, unknown ${pct(grouped.unknown)}`,
    );
    expect(landed.every((l) => decided.has(l.cluster))).toBe(true);
    // The target is >= 90% accepted and <= 5% unknown. The fourteenth set, when it was the holdout,
    // met it narrowly through the real pipeline (90.7% / 3.5%); the fifteenth, the holdout now, does not
    // (82.5% / 10.4%), though its families as labelled are decided 98.5% / 0% (bench:boundary;
    // docs/boundary.md). Grouping keeps more families apart than the labels (a signal often lands alone or
    // in a pair), so the per-signal rules decide many of them: those are the gap on the sets that miss it.
    expect(all.accepted).toBeGreaterThanOrEqual(floor.accepted);
    expect(all.unknown).toBeLessThanOrEqual(floor.unknown);
    // Families of several signals were decided better than single signals on every set before the thirteenth
    // (except where the words learned the single signals themselves); on the thirteenth, before grouping's
    // last rules, they were not (86.1% against 91.9%: docs/boundary.md), so the two shares are reported
    // above, not asserted: that is grouping's precision, measured in clustering_quality.test.ts.
  });

  it("decides each family from its folded votes exactly as classifyBoundary decides from all the family's signals", async () => {
    const now = new Date();
    const members = new Map<string, BoundaryEvidence[]>();
    for (const l of landed) members.set(l.cluster, [...(members.get(l.cluster) ?? []), boundaryEvidence(toSignal(signalSchema.parse(l.signal), now))]);
    // A family that absorbed another during grouping did not get the other's votes: those are left out here.
    const absorbed = await h.services.database.db
      .select({ familyId: familyHistory.familyId })
      .from(familyHistory)
      .where(eq(familyHistory.action, 'merged_from'));
    const skip = new Set(absorbed.map((a) => a.familyId));
    let compared = 0;
    for (const [id, signals] of members) {
      if (skip.has(id)) continue;
      const family = decided.get(id)!;
      const expected = classifyBoundary(signals);
      expect({ id, boundary: family.boundary, reasons: family.boundaryReasons, confidence: family.boundaryConfidence }).toEqual({
        id,
        boundary: expected.boundary,
        reasons: expected.reasons,
        confidence: expect.closeTo(expected.confidence, 5),
      });
      compared += 1;
    }
    expect(compared).toBeGreaterThan(members.size / 2);
  });
});
