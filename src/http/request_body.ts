// The one way a request body is read, by the webhook routes and by every /v1 route that takes a body: the
// media type, a size limit enforced while reading, a deadline for the whole body, and strict UTF-8 JSON
// whose nesting is bounded before it is parsed (the webhooks parse only after verifying the raw bytes).
import type { Context, MiddlewareHandler } from 'hono';
import type { Env } from '../config/env.js';
import { bearerToken } from '../ingest/signature.js';
import { findToken } from './auth.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';
import { firstTooDeep } from './json_depth.js';
import { requestHeader } from './request_header.js';

export interface BodyLimits {
  maxBytes: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  maxDepth: number;
  /** How long the whole body may take to arrive. */
  timeoutMs: number;
}

export function bodyLimitsOf(env: Pick<Env, 'RECUR_MAX_BODY_BYTES' | 'RECUR_MAX_JSON_DEPTH' | 'RECUR_BODY_TIMEOUT_MS'>): BodyLimits {
  return { maxBytes: env.RECUR_MAX_BODY_BYTES, maxDepth: env.RECUR_MAX_JSON_DEPTH, timeoutMs: env.RECUR_BODY_TIMEOUT_MS };
}

export function requireJson(c: Context<AppEnv>): void {
  const header = requestHeader(c, 'content-type') ?? '';
  if (header === 'application/json') return;
  const type = header.split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new AppError('unsupported_media_type', 'expected Content-Type: application/json');
  }
}

/**
 * The whole body: 413 as soon as it is known to exceed the limit (from its declared length, or once the
 * bytes read pass it), 408 when it has not all arrived within the deadline, 400 when the client closed
 * the connection before the end. Afterwards the body can be read again through `c.req` (the /v1 routes'
 * validators do).
 */
export function readBody(c: Context<AppEnv>, limits: BodyLimits): Promise<Uint8Array> {
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined && requestHeader(c, 'transfer-encoding') === undefined) {
    // Judged from the header alone: the HTTP parser never passes more bytes than it says.
    if (Number(declared) > limits.maxBytes) return Promise.reject(tooLarge(c, limits.maxBytes));
    const read = c.req.arrayBuffer().then(
      (buffer) => new Uint8Array(buffer),
      () => Promise.reject(incompleteBody()),
    );
    return withDeadline(c, read, limits.timeoutMs);
  }
  const expiry = { expired: false };
  return withDeadline(c, readStream(c, limits.maxBytes, expiry), limits.timeoutMs, expiry);
}

/** A body of unknown length (chunked, or a test's in-process request), counted while it is read. */
async function readStream(c: Context<AppEnv>, maxBytes: number, expiry: { expired: boolean }): Promise<Uint8Array> {
  const raw = c.req.raw;
  if (!raw.body) return new Uint8Array(0);
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw incompleteBody();
    }
    // Past the deadline the request has been answered: what still arrives is not kept.
    if (expiry.expired) return new Uint8Array(0);
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) throw tooLarge(c, maxBytes);
    chunks.push(chunk.value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const piece of chunks) {
    body.set(piece, at);
    at += piece.byteLength;
  }
  // Later readers get the bytes read here, as hono's own body limit hands them on.
  c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
  return body;
}

/** `read`, or 408 once `timeoutMs` has passed; the read is never left with a rejection nobody handles. */
function withDeadline<T>(c: Context<AppEnv>, read: Promise<T>, timeoutMs: number, expiry?: { expired: boolean }): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (expiry) expiry.expired = true;
      // The rest of the body will not be read: the connection cannot be used for another request.
      c.header('connection', 'close');
      reject(new AppError('request_timeout', `the body did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    read.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function tooLarge(c: Context<AppEnv>, maxBytes: number): AppError {
  c.header('connection', 'close');
  return new AppError('payload_too_large', `the body exceeds ${maxBytes} bytes`);
}

const incompleteBody = () => new AppError('invalid_payload', 'the body ended before it was complete: the client closed the connection');

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * For the /v1 routes that validate their bodies with zod-openapi: a body is read through readBody and
 * checked as parseJsonText checks it before the route's validator parses it again. Requests without a
 * body, requests no token could authenticate (the route answers 401 unread), and the routes in `ownReaders`
 * (which read theirs themselves) pass untouched. A body refused here is `invalid_request`, as the /v1
 * routes answer every other invalid request.
 */
export function boundedJsonBodies(limits: BodyLimits, ownReaders: ReadonlySet<string>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method) || ownReaders.has(c.req.path) || !hasBody(c)) return next();
    // Without any valid token the route refuses the request before its validator reads the body: no need to read it here.
    const tokens = c.var.services.config.env.RECUR_API_TOKENS;
    if (tokens && !findToken(tokens, bearerToken(requestHeader(c, 'authorization')))) return next();
    requireJson(c);
    try {
      parseJsonText(await readBody(c, limits), limits.maxDepth);
    } catch (err) {
      throw err instanceof AppError && err.code === 'invalid_payload' ? new AppError('invalid_request', err.message) : err;
    }
    return next();
  };
}

function hasBody(c: Context<AppEnv>): boolean {
  if (requestHeader(c, 'transfer-encoding') !== undefined) return true;
  const declared = requestHeader(c, 'content-length');
  if (declared !== undefined) return declared.trim() !== '0';
  // In-process (app.request) a body need not declare its length; served by Node a request without either header has none.
  return !c.env?.incoming && c.req.raw.body !== null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJson(body: Uint8Array, maxDepth: number): unknown {
  return parseJsonText(body, maxDepth).value;
}

/**
 * The body as JSON: strict UTF-8, nested at most `maxDepth` deep (checked on the text, before JSON.parse),
 * and storable. Also answers the decoded text: a payload stored as received need not be serialized again.
 */
export function parseJsonText(body: Uint8Array, maxDepth: number): { value: unknown; text: string } {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(body);
  } catch (err) {
    throw notJson(err);
  }
  const tooDeep = firstTooDeep(text, maxDepth);
  if (tooDeep >= 0) throw new AppError('invalid_payload', `the body nests arrays or objects more than ${maxDepth} deep (at character ${tooDeep})`);
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw notJson(err);
  }
  // PostgreSQL's text and jsonb cannot hold these: storing them would fail as if the database were down
  // (503), and a sender that retries on 5xx would retry the same body forever. Strict UTF-8 cannot encode
  // a surrogate, and JSON allows no raw control character in a string, so only a `\u` escape can make
  // one: a text without any is not walked.
  if (text.includes('\\u') && hasUnstorableString(value)) {
    throw new AppError('invalid_payload', 'the body contains a NUL character (\\u0000) or an unpaired surrogate escape, which cannot be stored');
  }
  return { value, text };
}

const notJson = (err: unknown) => new AppError('invalid_payload', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasUnstorableString(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return true;
    } else if (Array.isArray(v)) {
      for (const child of v) stack.push(child);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (UNSTORABLE.test(k)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
