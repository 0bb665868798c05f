// API tokens with scopes (RECUR_API_TOKENS) for the /v1 routes: 401 without a valid token, 403 when the
// token lacks the scope. With no tokens configured the check is off (start-up warns about it).
import { createMiddleware } from 'hono/factory';
import type { ApiToken, Scope } from '../config/env.js';
import { bearerToken, constantTimeEqual } from '../ingest/signature.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export function findToken(tokens: readonly ApiToken[], given: string | undefined): ApiToken | null {
  if (!given) return null;
  let found: ApiToken | null = null;
  for (const t of tokens) if (constantTimeEqual(given, t.token)) found = t;
  return found;
}

export function hasScope(token: ApiToken, scope: Scope): boolean {
  return token.scopes.includes(scope) || token.scopes.includes('admin');
}

export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const tokens = c.var.services.config.env.RECUR_API_TOKENS;
    if (!tokens) {
      c.set('token', null);
      return next();
    }
    const token = findToken(tokens, bearerToken(c.req.header('authorization')));
    if (!token) throw new AppError('unauthorized', 'a valid API token is required: Authorization: Bearer <token>');
    if (!hasScope(token, scope)) throw new AppError('forbidden', `this token lacks the "${scope}" scope`);
    c.set('token', token);
    return next();
  });
}
