// The grouping key for signals no upstream grouped: a hash over what makes two failures the same one.
// Grouping versions are dated and never edited once released (a better rule is a new version), so
// existing families keep their fingerprints.
import { createHash } from 'node:crypto';
import { messageTemplate } from './template.js';
import type { Boundary, Signal } from './types.js';

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
    messageTemplate(signal.message || signal.title),
  ];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}
