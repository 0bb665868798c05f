// Counts by name (a profile's features and sources, a boundary tally's keys and subjects). A name comes from
// the signal (a source may be `constructor` or `__proto__`), so counts are read and written as own entries,
// never through an object's prototype.

/** Two sets of counts added up. */
export function addCounts(counts: Readonly<Record<string, number>>, more: Readonly<Record<string, number>>): Record<string, number> {
  const sum = new Map(Object.entries(counts));
  for (const [key, count] of Object.entries(more)) sum.set(key, (sum.get(key) ?? 0) + count);
  return Object.fromEntries(sum);
}

/** What is left of `counts` once `taken` is taken away: the entries still above zero. */
export function subtractCounts(counts: Readonly<Record<string, number>>, taken: Readonly<Record<string, number>>): Record<string, number> {
  const away = new Map(Object.entries(taken));
  return Object.fromEntries(
    Object.entries(counts)
      .map(([key, count]) => [key, count - (away.get(key) ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
}
