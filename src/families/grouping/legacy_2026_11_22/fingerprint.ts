// The grouping key for signals no upstream grouped: a hash over what makes two failures the same one.
// Grouping versions are dated and never edited once released (a better rule is a new version), so
// existing families keep their fingerprints.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { messageTemplate } from './template.js';
import type { Boundary, Signal } from '../../types.js';

export const GROUPING_VERSION = 'g-2026-11-22';

export function fingerprint(signal: Signal, boundary: Boundary, version: string = GROUPING_VERSION): string {
  const parts = [
    version,
    signal.tenant ?? '',
    signal.workflow,
    boundary,
    signal.kind,
    signal.tool ?? '',
    signal.errorType ?? '',
    templateOf(signal.message || signal.title),
  ];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}

// A failure's occurrences mostly bring the same text again: the templates of recent short texts are kept.
const MEMO_MAX_TEXT = 2_048;
const recentTemplates = new LRUCache<string, string>({ max: 2_000, memoMethod: (text) => messageTemplate(text) });

function templateOf(text: string): string {
  return text.length > MEMO_MAX_TEXT ? messageTemplate(text) : recentTemplates.memo(text);
}
