// The evaluator spec's schema (version 1): what the API publishes and what any drafted spec must satisfy.
// From @hono/zod-openapi: zod 4 attaches .openapi() when a schema is built, so the schema must be built by the
// extended z whatever module happens to import it first.
import { z } from '@hono/zod-openapi';

const name = z.string().regex(/^[\w.:-]{1,100}$/, 'expected a tool name');

export const evaluatorSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ version: z.literal(1), type: z.literal('tool_order'), first: name, then: name, rationale: z.string().max(500) }),
  z.strictObject({ version: z.literal(1), type: z.literal('tool_loop'), tool: name, max_consecutive: z.number().int().min(1).max(100), rationale: z.string().max(500) }),
  z.strictObject({
    version: z.literal(1),
    type: z.literal('forbidden_error'),
    tool: name.nullable(),
    error_type: z.string().max(200).nullable(),
    message_pattern: z.string().min(1).max(2000).refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid regular expression'),
    rationale: z.string().max(500),
  }),
  z.strictObject({ version: z.literal(1), type: z.literal('latency_bound'), tool: name.nullable(), max_ms: z.number().int().min(1).max(3_600_000), rationale: z.string().max(500) }),
  z.strictObject({
    version: z.literal(1),
    type: z.literal('output_rubric'),
    prompt: z.string().min(20).max(8000),
    pass_criteria: z.array(z.string().min(1).max(500)).min(1).max(10),
    rationale: z.string().max(500),
  }),
]);
