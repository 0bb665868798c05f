// Near-duplicate titles: "Tool selection inconsistency" and "Inconsistent tool selection" are one
// failure. Titles are compared as sets of stemmed, stopword-free tokens (normalizeTitle), and two titles
// are near duplicates when their Jaccard similarity is at least NEAR_DUPLICATE_THRESHOLD.
//
// Finding candidates must not scan families, so each family stores hashed title keys: its whole token set
// and, for titles of MIN_TOKENS_FOR_DELETIONS tokens or more, every set with one token deleted (a
// deletion neighbourhood). Two titles that differ by at most one token on each side share a key; the
// candidates found are then checked with the exact similarity. Up to 7 tokens that covers every pair the
// threshold accepts; longer titles that differ in two tokens on each side are missed, a price paid for
// lookups that cost the same whatever the number of families. Keys are scoped, so only signals of the same tenant, workflow, kind,
// boundary, tool and error type can ever match.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { normalizeTitle, tokenSimilarity } from './template.js';
import type { Boundary, Signal } from '../../types.js';

export const NEAR_DUPLICATE_THRESHOLD = 0.75;
export const MIN_TOKENS_FOR_DELETIONS = 4;
/** How many distinct wordings a family keeps for comparison. */
export const MAX_TITLES_PER_FAMILY = 50;
const MAX_TOKENS = 24;

/** A title's tokens for comparison. Every occurrence of a failure brings its title again: recent ones are kept. */
export function titleTokens(title: string): readonly string[] {
  return recentTitleTokens.memo(title);
}

const recentTitleTokens = new LRUCache<string, readonly string[]>({
  max: 2_000,
  memoMethod: (title) => Object.freeze(normalizeTitle(title).slice(0, MAX_TOKENS)),
});

export function nearDuplicateScope(signal: Signal, boundary: Boundary): string {
  return [signal.tenant ?? '', signal.workflow, signal.kind, boundary, signal.tool ?? '', signal.errorType ?? ''].join('\u0000');
}

/** The hashed title keys of a title within a scope: its token set plus its one-deletion neighbourhood (kept for recent titles). */
export function titleKeys(scope: string, title: string): readonly string[] {
  return recentTitleKeys.memo(`${scope}\u0001${title}`, { context: { scope, title } });
}

const recentTitleKeys = new LRUCache<string, readonly string[], { scope: string; title: string }>({
  max: 2_000,
  memoMethod: (_, __, { context }) => Object.freeze(computeTitleKeys(context.scope, context.title)),
});

function computeTitleKeys(scope: string, title: string): string[] {
  const tokens = titleTokens(title);
  if (tokens.length === 0) return [];
  const sets: Array<readonly string[]> = [tokens];
  if (tokens.length >= MIN_TOKENS_FOR_DELETIONS) {
    for (let i = 0; i < tokens.length; i++) sets.push(tokens.filter((_, j) => j !== i));
  }
  return sets.map((set) => createHash('sha256').update(`${scope}\u0001${set.join(' ')}`).digest('hex').slice(0, 40));
}

/**
 * Picks the candidate whose closest known wording is most similar, at or above the threshold; ties go to
 * the oldest family. `titles` are a family's known wordings as normalizeTitle token lists.
 */
export function bestNearDuplicate<T extends { titles: ReadonlyArray<readonly string[]>; createdAt: Date }>(title: string, candidates: readonly T[]): T | null {
  const tokens = normalizeTitle(title);
  let best: { candidate: T; score: number } | null = null;
  for (const candidate of candidates) {
    const score = Math.max(0, ...candidate.titles.map((known) => tokenSimilarity(tokens, known)));
    if (score < NEAR_DUPLICATE_THRESHOLD) continue;
    if (!best || score > best.score || (score === best.score && candidate.createdAt < best.candidate.createdAt)) best = { candidate, score };
  }
  return best?.candidate ?? null;
}
