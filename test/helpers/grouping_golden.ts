// What each grouping version derives from a signal, for the golden files in test/fixtures/grouping/:
// g-2026-11-22 its fingerprint and title keys; the current version its fingerprint, title-word keys, masked
// text, miner leaf and similarity features; a later legacy version what it is still looked up by (its
// fingerprint, and the masked text it is made from). A change to any of them changes how families are found.
import { legacyKeys } from '../../src/families/grouping/legacy_2026_11_22/keys.js';
import { maskText } from '../../src/families/grouping/mask.js';
import { fingerprintKey, groupingText, planGrouping } from '../../src/families/grouping/plan.js';
import { GROUPING_VERSION, LEGACY_VERSIONS } from '../../src/families/grouping/version.js';
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
  if (version === GROUPING_VERSION) {
    const plan = planGrouping(signal, rules, new Date('2026-12-05T00:00:00Z'));
    return { fingerprint: plan.fingerprint.key, titleWords: plan.titleWords.map((k) => k.key), template: plan.template, leaf: plan.leaf, features: plan.features };
  }
  if (LEGACY_VERSIONS.some((legacy) => legacy.version === version)) {
    // A legacy version is looked up by its fingerprint alone; the rest of its derivation no longer runs.
    return { fingerprint: fingerprintKey(signal, signal.tool?.trim() || undefined, version).key, template: maskText(groupingText(signal, version), version) };
  }
  throw new Error(`no golden derivation for grouping version ${version}`);
}
