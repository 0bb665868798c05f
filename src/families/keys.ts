// The kinds of family key: upstream ids (shown to users) and recur's own grouping keys (internal).
import { sql, type SQL } from 'drizzle-orm';
import { familyKeys } from '../db/schema/index.js';
import { GROUPING_VERSION } from './fingerprint.js';

export const FINGERPRINT_KEY_SOURCE = `fingerprint:${GROUPING_VERSION}`;
export const TITLE_KEY_SOURCE = `title:${GROUPING_VERSION}`;

/** Keys that name an upstream's own grouping (a LangSmith issue), not one of recur's grouping keys. */
export function isUpstreamKey(): SQL {
  return sql`${familyKeys.source} not like 'fingerprint:%' and ${familyKeys.source} not like 'title:%'`;
}
