// Grouping versions (Sentry-style): a dated id kept in every family. A released version is never edited;
// a better rule is a new version. New families are made by the current version; a family keeps matching
// under the version that made it, because during a version's transition window every signal is also keyed
// the old way (see legacy_2026_11_22/), and a family found that way learns the current version's keys.

export const GROUPING_VERSION = 'g-2026-12-04';

export const LEGACY_VERSIONS = [
  // Released 2026-11-22: fingerprint over tenant, workflow, boundary, kind, tool, error type and the old
  // message template; title keys for message-less signals.
  { version: 'g-2026-11-22', transitionUntil: new Date('2027-06-01T00:00:00Z') },
] as const;

/** The legacy versions whose keys a signal arriving at `now` is still looked up by. */
export function legacyVersionsAt(now: Date): string[] {
  return LEGACY_VERSIONS.filter((v) => now < v.transitionUntil).map((v) => v.version);
}
