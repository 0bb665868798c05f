// Request headers on the hot path. Served by Node, they are read from the headers Node already parsed
// (lower-case names, one object per request): hono's lightweight headers check and lower-case the name
// and normalize the value again on every lookup, and a webhook reads six or seven of them.
import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/**
 * The header `name` (lower-case) of the request, or undefined. Repeated headers are joined with ", ", as
 * the web's Headers does, except the few Node keeps only once (content-type, authorization...: the first).
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const headers = c.env?.incoming?.headers;
  if (!headers) return c.req.header(name);
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
