// Counts by name (a profile's features and sources, a boundary tally's keys and subjects). A name comes from
// the signal (a source may be `constructor` or `__proto__`), so counts are read and written as own entries,
// never through an object's prototype.

/** How many times each name occurs. */
export function countNames(names: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return Object.fromEntries(counts);
}

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
