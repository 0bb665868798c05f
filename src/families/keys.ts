// Which family keys are an upstream's own grouping (a LangSmith issue id, shown to users) rather than one
// of recur's grouping keys (fingerprints and title keys of every grouping version, internal).
import { sql, type SQL } from 'drizzle-orm';
import { familyKeys } from '../db/schema/index.js';

export function isUpstreamKey(): SQL {
  return sql`${familyKeys.source} not like 'fingerprint:%' and ${familyKeys.source} not like 'title:%'`;
}
