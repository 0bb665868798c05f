// Vitest globalSetup: starts one real PostgreSQL and one Redis for the whole run and provides their URLs to
// tests via inject('pgUrl') / inject('redisUrl'). Both are required: without their binaries the run fails
// and says how to install them. RECUR_TEST_SKIP_SERVICES=1 opts out for a quick run, and the tests that
// need them are then skipped ('' URLs), loudly.
// Brings 'vitest' into the program so the ProvidedContext augmentation below can resolve.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { findPostgresBin, startPostgres, type PgServer } from './postgres.js';
import { findRedisBin, startRedis, type RedisServer } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const required = process.env.RECUR_TEST_SKIP_SERVICES !== '1';
  const pgBinsFound = findPostgresBin('initdb') !== null && findPostgresBin('pg_ctl') !== null;
  const redisBinFound = findRedisBin() !== null;
  const missing = [
    ...(pgBinsFound ? [] : ['initdb/pg_ctl (PostgreSQL server; looked on PATH and in /usr/lib/postgresql/*/bin)']),
    ...(redisBinFound ? [] : ['redis-server (looked on PATH)']),
  ];
  if (missing.length > 0 && required) {
    throw new Error(
      `the tests need real PostgreSQL and Redis servers, and these binaries are missing: ${missing.join('; ')}.\n` +
        'Install them (Debian/Ubuntu: sudo apt-get install postgresql redis-server; macOS: brew install postgresql redis), ' +
        'or run RECUR_TEST_SKIP_SERVICES=1 npm test for a quick run that skips every test needing them.',
    );
  }
  for (const m of missing) console.warn(`[recur tests] RECUR_TEST_SKIP_SERVICES=1: missing ${m}; tests needing it are SKIPPED`);

  const t0 = Date.now();
  const [pgResult, redisResult] = await Promise.allSettled([
    pgBinsFound ? startPostgres() : Promise.resolve(null),
    redisBinFound ? startRedis() : Promise.resolve(null),
  ]);
  const pg: PgServer | null = pgResult.status === 'fulfilled' ? pgResult.value : null;
  const redis: RedisServer | null = redisResult.status === 'fulfilled' ? redisResult.value : null;

  const teardown = async (): Promise<void> => {
    await Promise.allSettled([pg?.destroy(), redis?.destroy()]);
  };

  const failures = [pgResult, redisResult].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    if (required) {
      await teardown();
      throw new AggregateError(failures, `test services failed to start (RECUR_TEST_SKIP_SERVICES=1 skips the tests needing them):\n${failures.map(String).join('\n')}`);
    }
    for (const f of failures) console.warn(`[recur tests] service failed to start; dependent tests will be skipped:\n${String(f)}`);
  }
  if (pg || redis) {
    console.log(`[recur tests] services up in ${Date.now() - t0} ms: postgres=${pg?.url ?? 'none'} redis=${redis?.url ?? 'none'}`);
  }

  project.provide('pgUrl', pg?.url ?? '');
  project.provide('redisUrl', redis?.url ?? '');
  return teardown;
}
