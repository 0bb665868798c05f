// Shared first steps of every webhook route: the media type, a body limit enforced while reading, and
// strict UTF-8 JSON parsing that happens only after the caller has verified the raw bytes.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export function webhookBodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('payload_too_large', `the body exceeds ${maxBytes} bytes`);
    },
  });
}

export function requireJson(c: Context<AppEnv>): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new AppError('unsupported_media_type', 'expected Content-Type: application/json');
  }
}

export async function readRawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer());
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(body));
  } catch (err) {
    throw new AppError('invalid_payload', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}
