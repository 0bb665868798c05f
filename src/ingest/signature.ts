// Constant-time checks of shared-secret signatures and bearer tokens, done on the raw bytes before parsing.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The whole header, nothing before or after: `sha256=<hex>=junk` is not a signature. */
const SHA256_HEADER = /^sha256=([0-9a-f]{64})$/i;

/** `header` is exactly `sha256=<hex>`; true when it matches the HMAC-SHA256 of `body` under any of `secrets`. */
export function verifyHmacSha256(body: Uint8Array, header: string | undefined, secrets: readonly string[]): boolean {
  const hex = SHA256_HEADER.exec(header ?? '')?.[1];
  if (!hex) return false;
  const given = Buffer.from(hex, 'hex');
  let ok = false;
  // Every secret is tried, so the time taken does not say which one (or whether any) matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}

export function signHmacSha256(body: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Compares secrets of any length without leaking where they differ or how long the expected one is. */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'recur-compare').update(given).digest();
  const b = createHmac('sha256', 'recur-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
