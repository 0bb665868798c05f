// One trace from delivery to ticket across processes: a LangSmith delivery carrying a W3C traceparent
// goes to the api role, the worker role (a separate process, BullMQ on Redis) processes it and opens the
// GitHub issue; the fake collector receives every span under the caller's trace id, the job spans are
// children of the api's spans, and no secret, token or payload text is in any span. The log lines of
// both processes carry the request and trace ids.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fixtureText, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { startFakeCollector, type FakeCollector } from '../helpers/fake_otlp.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const REPO = 'acme/agents';
const GH_TOKEN = 'ghp_telemetrytoken0123456789';

describe.skipIf(!pgUrl || !redisUrl)('tracing, metrics and logs across the api and worker roles', () => {
  let gh: FakeGitHub;
  let collector: FakeCollector;
  const services: ServiceProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-otel-'));
  afterAll(async () => {
    for (const s of services) await s.stop();
    await gh?.close();
    await collector?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows delivery → family → ticket as one trace, with ids in the logs and nothing secret exported', async () => {
    gh = await startFakeGitHub({ token: GH_TOKEN });
    collector = await startFakeCollector();
    const db = await createDatabase(pgUrl!);
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl!,
      RECUR_QUEUE_PREFIX: `otel${process.pid}`,
      RECUR_DATA_DIR: dataDir,
      LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
      GITHUB_TOKEN: GH_TOKEN,
      GITHUB_API_URL: gh.url,
      GITHUB_REPO: REPO,
      RECUR_GITHUB_WRITE_GAP_MS: '0',
      RECUR_TICKET_DELAY_MS: '100',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const api = await startService({ role: 'api', env });
    services.push(api);
    const worker = await startService({ role: 'worker', env });
    services.push(worker);

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const body = fixtureText('issue-created.json');
    const res = await fetch(`${api.url}/webhooks/langsmith`, {
      method: 'POST',
      body,
      headers: { ...signedHeaders(body), traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-request-id': 'req-telemetry-1' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('req-telemetry-1');
    expect(res.headers.get('x-trace-id')).toBe(traceId);
    await eventually(async () => gh.issues(REPO).length === 1, 30_000);

    const wanted = [
      'POST /webhooks/langsmith',
      'db store_delivery',
      'job inbox.process',
      'db process_events',
      'job ticket.sync',
      'side_effect github.issue.create',
      'github POST /repos/{owner}/{repo}/issues',
    ];
    const inTrace = await eventually(async () => {
      const spans = collector.spans().filter((s) => s.traceId === traceId);
      return wanted.every((name) => spans.some((s) => s.name === name)) ? spans : null;
    }, 30_000);
    expect(inTrace, `spans seen: ${collector.spans().map((s) => s.name).join(', ')}`).toBeTruthy();
    const spans = inTrace!;
    const byName = (name: string) => spans.find((s) => s.name === name)!;

    const server = byName('POST /webhooks/langsmith');
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.resource['recur.role']).toBe('api');
    expect(server.attributes).toMatchObject({ 'http.route': '/webhooks/langsmith', 'http.response.status_code': 202 });
    const apiSpanIds = new Set(spans.filter((s) => s.resource['recur.role'] === 'api').map((s) => s.spanId));
    const processJob = byName('job inbox.process');
    expect(processJob.resource['recur.role']).toBe('worker');
    expect(apiSpanIds.has(processJob.parentSpanId)).toBe(true);
    const syncJob = byName('job ticket.sync');
    expect(spans.filter((s) => s.resource['recur.role'] === 'worker').map((s) => s.spanId)).toContain(syncJob.parentSpanId);
    expect(byName('github POST /repos/{owner}/{repo}/issues').attributes['http.response.status_code']).toBe(201);

    // Names stay low-cardinality: no ids or numbers in any span name.
    for (const s of collector.spans()) expect(s.name).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|\/\d+(\/|$)/);
    // Nothing secret or sent by the user leaves in a span.
    const exported = collector.raw();
    const event = JSON.parse(body) as { data: { object: { name: string; description: string; tenant_name: string } } };
    for (const secret of [TEST_SECRET, GH_TOKEN, event.data.object.name, event.data.object.description, event.data.object.tenant_name]) {
      expect(exported).not.toContain(secret);
    }

    // Log lines: one per delivery outcome with the request id, and the trace id in both processes.
    const lines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const delivery = lines(api.output()).find((l) => l.msg === 'delivery');
    expect(delivery).toMatchObject({ request_id: 'req-telemetry-1', trace_id: traceId, outcome: 'accepted', source: 'langsmith' });
    expect(lines(worker.output()).some((l) => l.msg === 'ticket synced' && l.trace_id === traceId)).toBe(true);
    for (const out of [api.output(), worker.output()]) {
      expect(out).not.toContain(TEST_SECRET);
      expect(out).not.toContain(GH_TOKEN);
    }

    // The worker is scraped like the api: its metrics show the jobs it ran.
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/recur_job_duration_seconds_count\{job="inbox\.process",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/recur_side_effects_total\{kind="github\.issue\.create",outcome="performed"\} 1/);
    expect(metrics).toMatch(/recur_github_rate_limit_remaining \d+/);
    const apiMetrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(apiMetrics).toMatch(/recur_deliveries_total\{source="langsmith",type="issue\.created",outcome="accepted"\} 1/);
  }, 120_000);
});
