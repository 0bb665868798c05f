// Counts by name (a profile's features and sources, a boundary tally's keys and subjects).

/** What is left of `counts` once `taken` is taken away: the entries still above zero. */
export function subtractCounts(counts: Readonly<Record<string, number>>, taken: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .map(([key, count]) => [key, count - (taken[key] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
}
