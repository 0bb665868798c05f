// The keys grouping version g-2026-11-22 gave a signal, exactly as that version computed them (its
// template, boundary rules and title keys are kept frozen beside this file), so a family it made is still
// found during the transition window. Never edited: the golden file test/fixtures/grouping/g-2026-11-22.json
// fails on any change.
import type { Signal } from '../../types.js';
import { classifyBoundary, type BoundaryRule } from './boundary.js';
import { fingerprint } from './fingerprint.js';
import { nearDuplicateScope, titleKeys } from './near_duplicate.js';

export const LEGACY_FINGERPRINT_SOURCE = 'fingerprint:g-2026-11-22';
export const LEGACY_TITLE_SOURCE = 'title:g-2026-11-22';

export interface LegacyKeys {
  fingerprint: { source: string; key: string };
  /** Hashed title keys, for signals without a message (the version compared their titles). */
  titles: string[];
}

export function legacyKeys(signal: Signal, boundaryRules: readonly BoundaryRule[]): LegacyKeys {
  const boundary = classifyBoundary(
    { explicit: signal.boundary, title: signal.title, message: signal.message ?? signal.description, errorType: signal.errorType, kind: signal.kind, tool: signal.tool },
    boundaryRules,
  ).boundary;
  return {
    fingerprint: { source: LEGACY_FINGERPRINT_SOURCE, key: fingerprint(signal, boundary) },
    titles: signal.message ? [] : [...titleKeys(nearDuplicateScope(signal, boundary), signal.title)],
  };
}

export { bestNearDuplicate, titleTokens } from './near_duplicate.js';
