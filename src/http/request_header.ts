// Request headers on the hot path. Served by Node, they are read from the headers Node already parsed
// (lower-case names, one object per request): hono's lightweight headers check and lower-case the name
// and normalize the value again on every lookup, and a webhook reads six or seven of them.
import type { Context } from 'hono';
import type { AppEnv } from './context.js';

/**
 * The header `name` (lower-case) of the request, or undefined; repeated headers are joined with ", ", as
 * hono and the web's Headers join them. Node's `headersDistinct` keeps every value: its `headers` keeps
 * only the first Authorization or Content-Type, which would accept a request hono refuses.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  return incoming.headersDistinct[name]?.join(', ');
}
