// The boundary target measured end to end: the labelled boundary set (test/fixtures/boundary_signals, 470
// signals written blind to the classifier) goes through the real ingest, grouping and assignment path on PGlite,
// in the worker's PGlite batches, and each signal is scored by the boundary of the family it landed in against
// that signal's accepted boundaries. Grouping may split or merge differently from the labels; that is measured.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families, familyHistory } from '../../src/db/schema/index.js';
import { boundaryEvidence, classifyBoundary, type BoundaryEvidence } from '../../src/families/boundary.js';
import type { Boundary } from '../../src/families/types.js';
import { signalSchema, toSignal } from '../../src/ingest/signals/schema.js';
import { groupLabelled, type LabelledSignal } from '../helpers/grouping_run.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const set = JSON.parse(readFileSync(new URL('../fixtures/boundary_signals/boundary-set.json', import.meta.url), 'utf8')) as {
  signals: LabelledSignal[];
  truth: Record<string, string>;
  families: Record<string, { accepted: Boundary[] }>;
};

/** The set's split rule (docs/boundary.md): first byte of SHA-256 of the family label, even tune, odd report. */
const halfOf = (label: string) => (createHash('sha256').update(label).digest()[0]! % 2 === 0 ? 'tune' : 'report');

describe('boundaries of families made by the real pipeline from the labelled boundary set', () => {
  // Floors, not the target: see the first test.
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

  it('puts at least 78% of signals in a family whose boundary they accept and at most 13% in an unknown one (target 90% / 5%: not met end to end)', () => {
    const score = (items: typeof landed) => {
      const accepted = items.filter((l) => set.families[l.label]!.accepted.includes(decided.get(l.cluster)!.boundary)).length;
      const unknown = items.filter((l) => decided.get(l.cluster)!.boundary === 'unknown').length;
      return { signals: items.length, accepted: accepted / items.length, unknown: unknown / items.length };
    };
    const all = score(landed);
    const tune = score(landed.filter((l) => halfOf(l.label) === 'tune'));
    const report = score(landed.filter((l) => halfOf(l.label) === 'report'));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `[boundary e2e] ${landed.length} signals, ${Object.keys(set.families).length} labelled families -> ${decided.size} families; ` +
        `in an accepted boundary: all ${pct(all.accepted)}, tune ${pct(tune.accepted)}, report ${pct(report.accepted)}; ` +
        `unknown: all ${pct(all.unknown)}, tune ${pct(tune.unknown)}, report ${pct(report.unknown)}`,
    );
    const size = new Map<string, number>();
    for (const l of landed) size.set(l.cluster, (size.get(l.cluster) ?? 0) + 1);
    const alone = score(landed.filter((l) => size.get(l.cluster) === 1));
    const grouped = score(landed.filter((l) => size.get(l.cluster)! > 1));
    console.log(
      `[boundary e2e] ${alone.signals} signals alone in their family: accepted ${pct(alone.accepted)}, unknown ${pct(alone.unknown)}; ` +
        `${grouped.signals} in families of 2 or more: accepted ${pct(grouped.accepted)}, unknown ${pct(grouped.unknown)}`,
    );
    expect(landed.every((l) => decided.has(l.cluster))).toBe(true);
    // The target is >= 90% accepted and <= 5% unknown. Measured on families as labelled it is met
    // (bench:boundary, 100% / 0%); through the real pipeline it is not: grouping keeps more families apart
    // than the labels (a signal often lands alone or in a pair), so the per-signal rules decide most of them.
    // These floors sit a little under the measured figures (docs/boundary.md, "Measured end to end"), which
    // move with every grouping change (81% / 8.6% before c75423d, 84-85% / 10-10.6% after, 87.0% / 9.1% on
    // g-2026-12-05.2).
    expect(all.accepted).toBeGreaterThanOrEqual(0.78);
    expect(all.unknown).toBeLessThanOrEqual(0.13);
    expect(grouped.accepted).toBeGreaterThan(alone.accepted);
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
