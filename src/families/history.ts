// Appends to a family's history: every change people may later ask "why?" about.
import type { Db } from '../db/client.js';
import { familyHistory } from '../db/schema/index.js';

export type HistoryAction =
  | 'created'
  | 'trace_added'
  | 'near_duplicate_joined'
  | 'grouped'
  | 'regressed'
  | 'seen_after_fix'
  | 'resolved'
  | 'fix_changed'
  | 'command'
  | 'updated'
  | 'merged_into'
  | 'merged_from'
  | 'unmerged'
  | 'split_into'
  | 'split_from'
  | 'severity_raised'
  | 'status_changed'
  | 'ticket_opened'
  | 'ticket_updated'
  | 'regression_pr_opened';

export async function recordHistory(
  db: Db,
  familyId: string,
  action: HistoryAction,
  actor: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db.insert(familyHistory).values({ familyId, action, actor, detail });
}
