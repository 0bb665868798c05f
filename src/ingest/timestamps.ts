// Timestamps senders give (trace start times, when a failure occurred): RFC 3339 date-times with an offset,
// in the years 1970 to 9999 only. PostgreSQL would store an earlier year, but JavaScript's date parser
// reads it back changed (year 1 as 2001), so a time recur cannot keep exactly is refused, never altered.
import { z } from 'zod';

const RFC3339 = z.regexes.datetime({ offset: true });

/** One pattern, so the webhook fast path (schema_fast_path.ts) still compiles it. */
const IN_RANGE = new RegExp(`^(?=(?:19[7-9]\\d|[2-9]\\d{3})-)${RFC3339.source.slice(1)}`);

export const timestampSchema = z.string().regex(IN_RANGE, 'expected an RFC 3339 date-time with an offset, in the years 1970 to 9999');

/** Unix seconds of the same range (LangSmith's `created`): 1970-01-01 to 9999-12-31T23:59:59Z. */
export const unixSecondsSchema = z.number().min(0).max(253_402_300_799);
