// The compiled checks must answer exactly what zod answers, for any value: a value the fast path accepts
// is stored without zod ever seeing it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envelopeSchema, KNOWN_TYPES } from '../../src/ingest/langsmith/envelope.js';
import { compileCheck, withFastPath } from '../../src/ingest/schema_fast_path.js';
import { fixtureText } from '../helpers/fixtures.js';

const fixtures = ['issue-created.json', 'issue-trace-added-3.json', 'issue-agent-run-failed.json'].map((name) => JSON.parse(fixtureText(name)) as Record<string, unknown>);

// Values near every limit the envelope schemas set, and of every JSON type.
const edgeValue = fc.oneof(
  fc.constantFrom('', 'a', 'x'.repeat(199), 'x'.repeat(200), 'x'.repeat(201), '😀'.repeat(100), '😀'.repeat(101), 'x'.repeat(1000), 'x'.repeat(1001)),
  fc.constantFrom('2026-11-22T10:00:00Z', '2026-11-22T10:00:00.123+02:00', '2026-11-22T10:00:00', '2026-02-30T10:00:00Z', '2024-02-29T00:00:00Z', 'yesterday'),
  fc.constantFrom(0, -0, 1, 2, 3, 4, -1, 1.5, 2.0000001, 2 ** 53, 2 ** 53 - 1, Number.MAX_VALUE, Infinity, -Infinity, Number.NaN),
  fc.constantFrom(null, undefined, true, false, [], {}, ['x']),
  fc.string(),
  fc.double(),
  fc.integer(),
);

/** A fixture with one to three of its fields (at any depth) replaced, removed, or joined by an unknown one. */
const mutatedFixture = fc
  .tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'delete', 'add'), edgeValue), { minLength: 1, maxLength: 3 }))
  .map(([fixture, edits]) => {
    const copy = structuredClone(fixture);
    for (const [pick, op, value] of edits) {
      const holders = objectsIn(copy);
      const holder = holders[pick % holders.length]!;
      const keys = Object.keys(holder);
      const key = op === 'add' || keys.length === 0 ? `extra_${pick}` : keys[pick % keys.length]!;
      if (op === 'delete') delete holder[key];
      else holder[key] = structuredClone(value);
    }
    return copy;
  });

function objectsIn(value: Record<string, unknown>): Array<Record<string, unknown>> {
  const found = [value];
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) found.push(...objectsIn(child as Record<string, unknown>));
  }
  return found;
}

const agrees = (schema: z.ZodType, value: unknown) => {
  const fast = compileCheck(schema)!(value);
  if (fast !== schema.safeParse(value).success) expect.fail(`zod and the fast path disagree on ${String(JSON.stringify(value)).slice(0, 300)}`);
};

describe('compileCheck', () => {
  const envelopeSchemas = { envelope: envelopeSchema, ...KNOWN_TYPES };

  it.each(Object.entries(envelopeSchemas))('compiles the %s schema', (_, schema) => {
    expect(compileCheck(schema)).toBeTypeOf('function');
  });

  it('agrees with zod on mutated LangSmith deliveries, envelope and data', () => {
    fc.assert(
      fc.property(mutatedFixture, (body) => {
        agrees(envelopeSchema, body);
        for (const schema of Object.values(KNOWN_TYPES)) agrees(schema, body.data);
      }),
      { numRuns: Number(process.env.FAST_PATH_RUNS ?? 3000) },
    );
  });

  it('agrees with zod on the fixtures as they are', () => {
    for (const body of fixtures) {
      agrees(envelopeSchema, body);
      expect(compileCheck(KNOWN_TYPES[body.type as keyof typeof KNOWN_TYPES])!(body.data)).toBe(true);
    }
  });

  it('agrees with zod on bounds, formats and wrappers for any value', () => {
    const schemas = [
      z.string().min(2).max(4),
      z.string().max(3).min(3),
      z.number().gt(1).lt(3),
      z.number().min(1).max(3),
      z.number().gt(1).min(1),
      z.number().int(),
      z.number().int().nonnegative(),
      z.iso.datetime({ offset: true }),
      z.iso.datetime(),
      z.string().regex(/^a+$/),
      z.string().optional(),
      z.string().nullable(),
      z.string().optional().nullable(),
      z.looseObject({ a: z.string(), b: z.looseObject({ c: z.number().optional() }) }),
      z.unknown(),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.oneof(edgeValue, fc.anything(), fc.record({ a: edgeValue, b: fc.oneof(edgeValue, fc.record({ c: edgeValue })) })), (schema, value) => agrees(schema, value)),
      { numRuns: Number(process.env.FAST_PATH_RUNS ?? 3000) },
    );
  });

  it.each([
    ['a stripping object', z.object({ a: z.string() })],
    ['a strict object', z.strictObject({ a: z.string() })],
    ['an object with an unknown field kind', z.looseObject({ a: z.array(z.string()) })],
    ['a union', z.union([z.string(), z.number()])],
    ['an email', z.email()],
    ['a url format on a string', z.string().url()],
    ['a refinement', z.string().refine((s) => s !== 'x')],
    ['a transform', z.string().transform((s) => s.length)],
    ['a coercion', z.coerce.string()],
    ['a multiple-of check', z.number().multipleOf(2)],
    ['a default', z.string().default('x')],
  ])('leaves %s to zod', (_, schema) => {
    expect(compileCheck(schema as z.ZodType)).toBeNull();
  });
});

describe('withFastPath', () => {
  const parse = withFastPath(envelopeSchema);

  it('answers a valid value as it is, without a copy', () => {
    const body = fixtures[0]!;
    const result = parse(body);
    expect(result.success && result.data).toBe(body);
  });

  it("answers an invalid value with zod's own error", () => {
    const body = { ...fixtures[0]!, id: '' };
    const result = parse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual(envelopeSchema.safeParse(body).error?.issues);
  });

  it('asks zod for every value when the schema does not compile', () => {
    const stripping = z.object({ a: z.string() });
    const result = withFastPath(stripping)({ a: 'x', b: 1 });
    expect(result).toEqual({ success: true, data: { a: 'x' } });
  });
});
