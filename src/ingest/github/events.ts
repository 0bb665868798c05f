// The parts of GitHub webhook payloads recur reads, validated; everything else in them is kept as stored.
import { z } from 'zod';

const repository = z.looseObject({ full_name: z.string().min(3).max(300), html_url: z.url().max(400).optional() });
const user = z.looseObject({ login: z.string().max(100) });
const label = z.looseObject({ name: z.string().max(100) });
const issue = z.looseObject({
  number: z.number().int().positive(),
  state: z.string().optional(),
  state_reason: z.string().nullable().optional(),
  html_url: z.string().optional(),
  labels: z.array(label).optional(),
  pull_request: z.unknown().optional(),
});

export const issuesEvent = z.looseObject({
  action: z.string(),
  issue,
  repository,
  sender: user.optional(),
  label: label.optional(),
  assignee: user.nullable().optional(),
});

export const pullRequestEvent = z.looseObject({
  action: z.string(),
  repository: repository.extend({ default_branch: z.string().max(300).optional() }),
  pull_request: z.looseObject({
    base: z.looseObject({ ref: z.string().max(300) }).optional(),
    number: z.number().int().positive(),
    title: z.string().max(1000),
    body: z.string().max(100_000).nullable().optional(),
    html_url: z.url().max(400),
    merged: z.boolean().nullable().optional(),
    merged_at: z.string().nullable().optional(),
  }),
});

export const issueCommentEvent = z.looseObject({
  action: z.string(),
  repository,
  issue,
  comment: z.looseObject({ id: z.number(), body: z.string().max(100_000).nullable().optional(), author_association: z.string().optional(), user }),
});

export const releaseEvent = z.looseObject({
  action: z.string(),
  repository,
  release: z.looseObject({ tag_name: z.string().max(200), published_at: z.string().nullable().optional(), created_at: z.string().nullable().optional() }),
});

export const GITHUB_EVENTS = {
  issues: issuesEvent,
  pull_request: pullRequestEvent,
  issue_comment: issueCommentEvent,
  release: releaseEvent,
} as const;

export type GitHubEventName = keyof typeof GITHUB_EVENTS;

export function isActedOnEvent(name: string): name is GitHubEventName {
  return Object.hasOwn(GITHUB_EVENTS, name);
}
