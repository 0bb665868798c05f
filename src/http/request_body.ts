// Shared first steps of every webhook route: the media type, a body limit enforced while reading, and
// strict UTF-8 JSON parsing that happens only after the caller has verified the raw bytes.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';
import { requestHeader } from './request_header.js';

export function webhookBodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('payload_too_large', `the body exceeds ${maxBytes} bytes`);
    },
  });
  const readLimited: MiddlewareHandler<AppEnv> = async (c, next) => {
    // A chunked body is read here; one the client stops sending halfway is its error, not ours.
    let reading = true;
    try {
      await limit(c, async () => {
        reading = false;
        await next();
      });
    } catch (err) {
      throw reading && !(err instanceof AppError) ? incompleteBody() : err;
    }
  };
  // Not async: a delivery with a declared length goes on without another promise of its own.
  return (c, next) => {
    // A declared length is judged from the header alone (the HTTP parser never passes more bytes than it
    // says): hono's bodyLimit would first turn the request into a web stream, a large share of what a
    // delivery costs on its way to the inbox.
    const declared = requestHeader(c, 'content-length');
    if (declared === undefined || requestHeader(c, 'transfer-encoding') !== undefined) return readLimited(c, next);
    if (Number(declared) > maxBytes) throw new AppError('payload_too_large', `the body exceeds ${maxBytes} bytes`);
    return next();
  };
}

const incompleteBody = () => new AppError('invalid_payload', 'the body ended before it was complete: the client closed the connection');

export function requireJson(c: Context<AppEnv>): void {
  const header = requestHeader(c, 'content-type') ?? '';
  if (header === 'application/json') return;
  const type = header.split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new AppError('unsupported_media_type', 'expected Content-Type: application/json');
  }
}

export async function readRawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  try {
    return new Uint8Array(await c.req.arrayBuffer());
  } catch {
    throw incompleteBody();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJson(body: Uint8Array): unknown {
  return parseJsonText(body).value;
}

/** parseJson, also answering the decoded text: a payload stored as received need not be serialized again. */
export function parseJsonText(body: Uint8Array): { value: unknown; text: string } {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(body);
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('invalid_payload', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
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
