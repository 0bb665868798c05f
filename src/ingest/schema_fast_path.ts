// A fast path for zod schemas on the webhook hot path. zod builds a result object for every node it visits,
// which made validating a LangSmith envelope cost more than verifying its signature. compileCheck turns the
// few kinds of node the envelopes use into one plain predicate with zod's own rules (its limits, patterns
// and number formats, read from the schema); anything else is left to zod, which also always gives the
// error message, so the two can never disagree on an answer a sender sees.
import type { z } from 'zod';
import { util } from 'zod/v4/core';

type Check = (value: unknown) => boolean;

interface Def {
  type: string;
  coerce?: boolean;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  // A string format schema (z.iso.datetime()) carries its check on its own definition.
  check?: string;
  format?: string;
  pattern?: RegExp;
}

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A predicate true exactly when `schema.safeParse(value)` succeeds with `value` itself as its output, or
 * null when the schema has a node it does not know (then use zod). Known: loose objects (their output is
 * their input), strings with length limits and pattern formats, finite numbers with bounds and the safe
 * integer format, optional, nullable, unknown.
 */
export function compileCheck(schema: z.ZodType): Check | null {
  const def = defOf(schema);
  switch (def.type) {
    case 'unknown':
      return () => true;
    case 'optional': {
      const inner = compileCheck(def.innerType!);
      return inner && ((v) => v === undefined || inner(v));
    }
    case 'nullable': {
      const inner = compileCheck(def.innerType!);
      return inner && ((v) => v === null || inner(v));
    }
    case 'string':
      return stringCheck(def);
    case 'number':
      return numberCheck(def);
    case 'object':
      return objectCheck(def);
    default:
      return null;
  }
}

// Each kind compiles to one closure over plain values, not a list of tests: the predicate runs for every
// delivery, and calls through arrays of closures cost as much as zod did.
function stringCheck(def: Def): Check | null {
  if (def.coerce) return null;
  let min = 0;
  let max = Infinity;
  const patterns: RegExp[] = [];
  if (def.check !== undefined) {
    const own = patternOf(def);
    if (!own) return null;
    patterns.push(own);
  }
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def;
    if (c.check === 'min_length') min = Math.max(min, c.minimum!);
    else if (c.check === 'max_length') max = Math.min(max, c.maximum!);
    else {
      const pattern = patternOf(c);
      if (!pattern) return null;
      patterns.push(pattern);
    }
  }
  if (patterns.length > 1) return null;
  const pattern = patterns[0];
  if (!pattern) return (v) => typeof v === 'string' && fitsLength(v, min, max);
  return (v) => typeof v === 'string' && fitsLength(v, min, max) && ((pattern.lastIndex = 0), pattern.test(v));
}

/**
 * zod's length rules: a string is measured in code points, counted only where its UTF-16 units leave the
 * answer in doubt (a code point is one or two units).
 */
function fitsLength(v: string, min: number, max: number): boolean {
  const units = v.length;
  if ((units > max ? util.codePointLength(v) : units) > max) return false;
  return (units >= min && units < 2 * min ? util.codePointLength(v) : units) >= min;
}

/** Formats whose whole check is their pattern; others (urls, emails, jwts...) do more, and go to zod. */
const PATTERN_FORMATS = new Set(['datetime', 'regex']);

function patternOf(c: { check?: string; format?: string; pattern?: RegExp }): RegExp | null {
  if (c.check !== 'string_format' || !PATTERN_FORMATS.has(c.format ?? '') || !(c.pattern instanceof RegExp)) return null;
  return c.pattern;
}

function numberCheck(def: Def): Check | null {
  if (def.coerce) return null;
  let integer = false;
  let low = -Infinity;
  let lowInclusive = true;
  let high = Infinity;
  let highInclusive = true;
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def;
    if (c.check === 'number_format' && c.format === 'safeint') integer = true;
    else if (c.check === 'greater_than') {
      // The tightest bound wins; of two equal ones, the exclusive.
      if (c.value! > low || (c.value === low && !c.inclusive)) [low, lowInclusive] = [c.value!, c.inclusive === true];
    } else if (c.check === 'less_than') {
      if (c.value! < high || (c.value === high && !c.inclusive)) [high, highInclusive] = [c.value!, c.inclusive === true];
    } else return null;
  }
  return (v) =>
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!integer || Number.isSafeInteger(v)) &&
    (lowInclusive ? v >= low : v > low) &&
    (highInclusive ? v <= high : v < high);
}

function objectCheck(def: Def): Check | null {
  // Only a loose object answers its input as it is: a stripping one drops keys, a strict one refuses them.
  if (!def.catchall || defOf(def.catchall).type !== 'unknown' || (def.checks?.length ?? 0) > 0) return null;
  const keys: string[] = [];
  const checks: Check[] = [];
  for (const [key, field] of Object.entries(def.shape ?? {})) {
    const check = compileCheck(field);
    if (!check) return null;
    keys.push(key);
    checks.push(check);
  }
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (let i = 0; i < keys.length; i++) if (!checks[i]!(v[keys[i]!])) return false;
    return true;
  };
}

/**
 * `schema.safeParse`, answering a value that passes the compiled check as it is (same data, no copy), and
 * asking zod about every other value, or about every value when the schema cannot be compiled.
 */
export function withFastPath<S extends z.ZodType>(schema: S): (value: unknown) => z.ZodSafeParseResult<z.output<S>> {
  const check = compileCheck(schema);
  if (!check) return (value) => schema.safeParse(value);
  return (value) => (check(value) ? { success: true, data: value as z.output<S> } : schema.safeParse(value));
}
