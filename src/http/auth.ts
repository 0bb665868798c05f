// API tokens with scopes (RECUR_API_TOKENS) for the /v1 routes: 401 without a valid token, 403 when the
// token lacks the scope. With no tokens configured the check is off (start-up warns about it).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import type { ApiToken, Scope } from '../config/env.js';
import { bearerToken, constantTimeEqual } from '../ingest/signature.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

/** The OpenAPI security scheme of API tokens; a requirement's roles name the scope the route needs. */
export const API_TOKEN_SCHEME = 'bearerAuth';

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

/** A route's scope check and its OpenAPI security requirement, from one place: spread into createRoute. */
export function scoped(scope: Scope) {
  return { middleware: [requireScope(scope)], security: [{ [API_TOKEN_SCHEME]: [scope] }] };
}

export function registerApiTokenScheme(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', API_TOKEN_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API token from RECUR_API_TOKENS: `Authorization: Bearer <token>`. The requirement names the scope the ' +
      'route needs (`read`, `write` or `admin`; `admin` includes the others). With no tokens configured the check is off.',
  });
}

/** The password of an `Authorization: Basic` header; the user name is not checked. */
export function basicPassword(authorization: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}

/**
 * requireScope for the HTML pages: a browser cannot send a bearer token, so HTTP Basic with the token as the
 * password is accepted too, and a 401 asks the browser for it.
 */
export function requirePageScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const tokens = c.var.services.config.env.RECUR_API_TOKENS;
    if (!tokens) {
      c.set('token', null);
      return next();
    }
    const authorization = c.req.header('authorization');
    const token = findToken(tokens, bearerToken(authorization) ?? basicPassword(authorization));
    if (!token) {
      c.header('www-authenticate', 'Basic realm="recur", charset="UTF-8"');
      throw new AppError('unauthorized', 'sign in with an API token as the password (HTTP Basic), or send Authorization: Bearer <token>');
    }
    if (!hasScope(token, scope)) throw new AppError('forbidden', `this token lacks the "${scope}" scope`);
    c.set('token', token);
    return next();
  });
}
