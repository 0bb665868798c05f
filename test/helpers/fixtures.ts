// Loads the LangSmith samples (copied from shared/fixtures) as raw bytes, exactly as they are delivered.
import { readFileSync } from 'node:fs';
import { signHmacSha256 } from '../../src/ingest/signature.js';

const dir = new URL('../fixtures/langsmith/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8');
}

/** The batch fixture's events, each re-serialized the way LangSmith sends one delivery. */
export function batchDeliveries(): string[] {
  const events = JSON.parse(fixtureText('batch-refund-ordering.json')) as unknown[];
  return events.map((e) => JSON.stringify(e));
}

export const TEST_SECRET = 'test-signing-secret-0123456789';

export function signedHeaders(body: string, secret = TEST_SECRET): Record<string, string> {
  return { 'content-type': 'application/json', 'x-langsmith-signature': signHmacSha256(body, secret) };
}
