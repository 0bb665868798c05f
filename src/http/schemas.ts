// Response and request schemas shared by the /v1 routes; they also generate the OpenAPI document.
import { z } from '@hono/zod-openapi';
import { BOUNDARY_SOURCES } from '../families/family_boundary.js';
import { BOUNDARIES, FAMILY_STATUSES } from '../families/types.js';

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error');

export const FamilySchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    workflow: z.string(),
    boundary: z.enum(BOUNDARIES),
    boundary_detail: z
      .object({
        confidence: z.number().min(0).max(1).nullable().openapi({ description: 'the average support a signal gives the boundary; null when not kept (older families, the model)' }),
        source: z.enum(BOUNDARY_SOURCES).openapi({
          description:
            'who decided: `rules` (built-in), `explicit` (stated by the signal source), `config` (a recur.yaml boundaries rule), `person`, `learned` (from a correction of another family), `model`, or `words` (a guess from the words of its signals when no rule read them)',
        }),
        reasons: z.array(z.string()).openapi({ description: 'short phrases, most supported first: "401 from zendesk_update_ticket in 6 of 8 signals"' }),
      })
      .openapi({ description: 'how the boundary was decided' }),
    severity: z.number().int().min(0).max(3),
    status: z.enum(FAMILY_STATUSES),
    fingerprint: z.string().nullable(),
    grouping_version: z.string(),
    owner: z.object({
      team: z.string().nullable(),
      assignees: z.array(z.string()),
      reason: z.string().nullable().openapi({ description: 'which ownership rule matched ("recur.yaml owners[1]: workflow support-*", "CODEOWNERS line 7: tool:stripe_* @acme/payments"), or who set the owner; null when none did' }),
    }),
    first_seen: z.string(),
    last_seen: z.string(),
    trace_count: z.number().int(),
    event_count: z.number().int(),
    upstream: z.array(z.object({ source: z.string(), id: z.string(), url: z.string().nullable() })),
    ticket: z
      .object({ provider: z.enum(['github', 'local']), repo: z.string(), number: z.number().int(), url: z.string(), state: z.enum(['open', 'closed']) })
      .nullable(),
    fix: z.object({ status: z.string(), pull_request: z.string().nullable(), release: z.string().nullable() }),
    evaluators: z.array(z.object({ id: z.string(), suite: z.string(), status: z.string() })),
    guarded: z.boolean(),
    reopen_count: z.number().int(),
    recurrence: z.object({ last_hour: z.number().int(), last_day: z.number().int(), last_week: z.number().int() }),
    merged_into: z.uuid().nullable(),
  })
  .openapi('Family');

export const TraceSchema = z
  .object({
    trace_id: z.string(),
    run_id: z.string(),
    url: z.string().nullable(),
    comment: z.string().nullable(),
    start_time: z.string().nullable(),
    received_at: z.string(),
    release: z.string().nullable(),
    grouping: z
      .object({
        rule: z.string().openapi({ description: 'why the event joined the family: upstream, fingerprint, legacy_fingerprint, legacy_title, template, template_generalized, similarity, semantic, split_rule or new' }),
        score: z.number().nullable(),
        version: z.string().nullable(),
        template: z.string().nullable().openapi({ description: 'the masked text the event was grouped by' }),
      })
      .nullable(),
  })
  .openapi('Trace');

export const FamilyDetailSchema = FamilySchema.extend({
  description: z.string().nullable(),
  traces: z.array(TraceSchema).openapi({ description: 'the newest 100 traces; GET /v1/families/{id}/traces pages through all' }),
  history: z.array(z.object({ at: z.string(), action: z.string(), actor: z.string(), detail: z.record(z.string(), z.unknown()) })),
}).openapi('FamilyDetail');

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const errorResponses = {
  401: jsonContent(ErrorSchema, 'missing or invalid API token'),
  403: jsonContent(ErrorSchema, 'the token lacks the scope'),
} as const;
