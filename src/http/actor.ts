// Who made a change through the API, for history: the API token's name, or "api" with tokens off.
import type { Context } from 'hono';
import type { AppEnv } from './context.js';

export function actorOf(c: Context<AppEnv>): string {
  const token = c.var.token;
  return token ? `token:${token.name}` : 'api';
}
