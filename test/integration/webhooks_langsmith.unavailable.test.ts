// 503 when storage is unreachable: the sender (LangSmith retries 5xx) keeps the delivery and retries.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { openDatabase } from '../../src/db/client.js';
import { createInProcessQueue } from '../../src/queue/in_process.js';
import { createServices } from '../../src/services.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createLocalSink } from '../../src/tickets/sinks/local.js';
import { fixtureText, signedHeaders } from '../helpers/fixtures.js';
import { freePort } from '../helpers/ports.js';
import { createDatabase } from '../helpers/postgres.js';
import { postLangsmith, testConfig } from '../helpers/recur.js';
import { inboxEvents } from '../../src/db/schema/index.js';

const pgUrl = inject('pgUrl');
const body = fixtureText('issue-created.json');

describe('POST /webhooks/langsmith with the database down', () => {
  it('answers 503 unavailable when nothing listens at DATABASE_URL', async () => {
    const port = await freePort();
    const config = testConfig({ dataDir: mkdtempSync(join(tmpdir(), 'recur-503-')), databaseUrl: `postgres://recur@127.0.0.1:${port}/recur` });
    const log = createLogger('silent');
    const database = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.env.RECUR_DATA_DIR });
    const queue = createInProcessQueue({ attempts: 1, backoffMs: 1 }, () => {});
    const app = createApp({ config, database, queue, log, sink: createLocalSink(database.db, 'http://x'), defaultRepo: 'local/recur', lifecycle: { draining: false }, close: async () => {} });
    const res = await postLangsmith({ app }, body, signedHeaders(body));
    expect(res).toEqual({ status: 503, json: { error: { code: 'unavailable', message: expect.any(String) } } });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    await database.close();
  });

  it.skipIf(!pgUrl)('answers 503 while PostgreSQL is gone and 202 once it is back', async () => {
    const { startPostgres } = await import('../helpers/postgres.js');
    const server = await startPostgres();
    try {
      const db = await createDatabase(server.url);
      const config = testConfig({ dataDir: mkdtempSync(join(tmpdir(), 'recur-503-')), databaseUrl: db.url });
      const services = await createServices(config, createLogger('silent'));
      const app = createApp(services);
      await server.kill();
      expect((await postLangsmith({ app }, body, signedHeaders(body))).status).toBe(503);
      await server.start();
      const res = await postLangsmith({ app }, body, signedHeaders(body));
      expect(res.status).toBe(202);
      expect(await services.database.db.$count(inboxEvents)).toBe(1);
      await services.close();
    } finally {
      await server.destroy();
    }
  });
});
