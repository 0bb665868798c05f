// What each grouping version derives from a signal, for the golden files in test/fixtures/grouping/:
// g-2026-11-22 its fingerprint and title keys; g-2026-12-04 its fingerprint, title-word keys, masked text,
// miner leaf and similarity features. A change to any of them changes how existing families are found.
import { legacyKeys } from '../../src/families/grouping/legacy_2026_11_22/keys.js';
import { planGrouping } from '../../src/families/grouping/plan.js';
import type { Signal } from '../../src/families/types.js';

export interface GoldenInput {
  signal: Omit<Signal, 'occurredAt'>;
  boundaryRules?: Array<{ match: string; boundary: Signal['boundary'] }>;
}

export function goldenOf(version: string, input: GoldenInput): Record<string, unknown> {
  const signal = { ...input.signal, occurredAt: new Date('2026-12-01T00:00:00Z') } as Signal;
  const rules = (input.boundaryRules ?? []).map((r) => ({ match: new RegExp(r.match, 'i'), boundary: r.boundary! }));
  if (version === 'g-2026-11-22') {
    const keys = legacyKeys(signal, rules);
    return { fingerprint: keys.fingerprint.key, titles: keys.titles };
  }
  if (version === 'g-2026-12-04') {
    const plan = planGrouping(signal, rules, new Date('2026-12-04T00:00:00Z'));
    return { fingerprint: plan.fingerprint.key, titleWords: plan.titleWords.map((k) => k.key), template: plan.template, leaf: plan.leaf, features: plan.features };
  }
  throw new Error(`no golden derivation for grouping version ${version}`);
}
