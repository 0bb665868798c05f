// GitHub calls per 1,000 issue.trace.added events spread over 10 families (target: at most 40), with
// recur's production defaults (2 s batch delay, body edits at most every 30 s, GitHub's write spacing).
// recur runs as a child process against a fake GitHub on loopback that counts every call it receives.
// Run: npm run bench:github
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signHmacSha256 } from '../src/ingest/signature.js';
import { startFakeGitHub } from '../test/helpers/fake_github.js';
import { buildRecur, startService } from '../test/helpers/service_process.js';

const SECRET = 'bench-secret-0123456789';
const FAMILIES = 10;
const EVENTS = 1_000;
const REPO = 'acme/agents';

const TITLES = [
  'Agent skips the refund policy check',
  'Agent quotes stale prices from the catalog',
  'Agent escalates routine tickets to tier three',
  'Agent loops on the order lookup tool',
  'Agent promises delivery dates it cannot keep',
  'Agent leaks internal notes into customer replies',
  'Agent picks the wrong shipping carrier',
  'Agent drops the discount code on checkout',
  'Agent answers in the wrong language',
  'Agent cites a retired return policy',
];

function delivery(i: number): string {
  const family = i % FAMILIES;
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.trace.added',
    created: Math.floor(Date.now() / 1000),
    request_id: randomUUID(),
    data: {
      object: { id: `bench-issue-${family}`, name: TITLES[family], severity: 2, session_name: 'bench-agent' },
      trace: { run_id: randomUUID(), trace_id: randomUUID(), start_time: new Date().toISOString() },
    },
  });
}

buildRecur();
const gh = await startFakeGitHub({ token: 'ghp_benchtoken0123456789' });
const dataDir = mkdtempSync(join(tmpdir(), 'recur-bench-gh-'));
const service = await startService({
  from: 'built',
  env: { LANGSMITH_WEBHOOK_SECRET: SECRET, RECUR_DATA_DIR: dataDir, GITHUB_TOKEN: 'ghp_benchtoken0123456789', GITHUB_API_URL: gh.url, GITHUB_REPO: REPO, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
});
try {
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < EVENTS) {
        const body = delivery(next++);
        const res = await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-langsmith-signature': signHmacSha256(body, SECRET) } });
        if (res.status !== 202) throw new Error(`delivery answered ${res.status}`);
      }
    }),
  );
  const sentMs = Date.now() - t0;
  // Done when every issue shows all of its family's traces (the last edit may wait out the 30 s interval).
  const perFamily = EVENTS / FAMILIES;
  const deadline = Date.now() + Number(process.env.BENCH_WAIT_MS ?? 180_000);
  while (Date.now() < deadline) {
    const issues = gh.issues(REPO);
    if (issues.length === FAMILIES && issues.every((i) => i.body?.includes(`${perFamily} traces in all`))) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const issues = gh.issues(REPO);
  const complete = issues.length === FAMILIES && issues.every((i) => i.body?.includes(`${perFamily} traces in all`));
  const byRoute = new Map<string, number>();
  for (const call of gh.calls) {
    const route = `${call.method} ${call.path.replace(/\/\d+(?=\/|$)/g, '/{n}').replace(/\/labels\/[^/]+$/, '/labels/{name}')}`;
    byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
  }
  const result = { events: EVENTS, families: FAMILIES, issues: issues.length, complete, github_calls: gh.calls.length, target: 40, sent_in_ms: sentMs, settled_in_ms: Date.now() - t0, by_route: Object.fromEntries(byRoute) };
  console.table([{ events: EVENTS, families: FAMILIES, issues: issues.length, all_evidence_shown: complete, github_calls: gh.calls.length, target: '<= 40' }]);
  console.table([...byRoute].map(([route, calls]) => ({ route, calls })));
  console.log(`GitHub calls per ${EVENTS} events over ${FAMILIES} families: ${gh.calls.length} (target <= 40): ${gh.calls.length <= 40 && complete ? 'PASS' : 'FAIL'}`);
  if (!complete) console.log(service.output().split('\n').slice(-40).join('\n'));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/github.json', JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2));
} finally {
  await service.stop();
  await gh.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
