// Hostile requests for the ingest fuzz tests: fast-check arbitraries for bodies, headers and lengths at every
// ingest route, the secrets and signatures each route checks, and a row count of every table, so a test can
// tell exactly what a request stored.
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { TEST_SECRET } from './fixtures.js';

export const ROUTES = ['/webhooks/langsmith', '/webhooks/github', '/v1/signals'] as const;
export type Route = (typeof ROUTES)[number];

export const LANGSMITH_TOKEN = 'hook-token-0123456789';
export const GITHUB_SECRET = 'gh-hook-secret-0123456789';
export const SIGNALS_SECRET = `whsec_${Buffer.from('recur-fuzz-signals-secret-32bytes!').toString('base64')}`;
export const WRITE_TOKEN = 'write-token-0123456789';
export const READ_TOKEN = 'read-token-0123456789';

/** Every secret and token an ingest route checks, so no check is off. */
export function fuzzEnv(maxBodyBytes: number): Record<string, string> {
  return {
    LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
    LANGSMITH_WEBHOOK_TOKEN: LANGSMITH_TOKEN,
    GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
    RECUR_SIGNALS_SECRET: SIGNALS_SECRET,
    RECUR_API_TOKENS: `ci:write:${WRITE_TOKEN},reader:read:${READ_TOKEN}`,
    RECUR_MAX_BODY_BYTES: String(maxBodyBytes),
  };
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const hmacHex = (secret: string, body: Uint8Array) => createHmac('sha256', secret).update(body).digest('hex');

/** The headers that make `body` authentic on `route` (GitHub's event and delivery headers are the caller's). */
export function authHeaders(route: Route, body: Uint8Array, opts: { at?: Date; messageId?: string; useToken?: boolean } = {}): Record<string, string> {
  switch (route) {
    case '/webhooks/langsmith':
      return { 'x-langsmith-signature': `sha256=${hmacHex(TEST_SECRET, body)}`, authorization: `Bearer ${LANGSMITH_TOKEN}` };
    case '/webhooks/github':
      return { 'x-hub-signature-256': `sha256=${hmacHex(GITHUB_SECRET, body)}` };
    case '/v1/signals': {
      if (opts.useToken) return { authorization: `Bearer ${WRITE_TOKEN}` };
      const id = opts.messageId ?? `msg_${randomUUID()}`;
      const at = opts.at ?? new Date();
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(SIGNALS_SECRET).sign(id, at, Buffer.from(body)),
      };
    }
  }
}

// ---- well-formed deliveries, for the consistency properties ----
// Delivery ids are drawn fresh rather than from the seed: a replayed or shrunk case is then a new delivery,
// not a duplicate of one an earlier case stored.

const printable = (min: number, max: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter((s) => s.trim().length >= min);

export const langsmithEnvelopeArb = fc
  .record({
    type: fc.constantFrom('issue.created', 'issue.trace.added', 'issue.resolved'),
    name: printable(1, 120),
    session: printable(1, 60),
    severity: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    comment: fc.option(fc.string({ unit: 'grapheme', maxLength: 200 }), { nil: undefined }),
    extra: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  })
  .map(({ type, name, session, severity, comment, extra }) => ({
    id: randomUUID(),
    type,
    created: Math.floor(Date.now() / 1000),
    request_id: randomUUID(),
    data: {
      ...extra,
      object: { id: randomUUID(), name, session_name: session, ...(severity === undefined ? {} : { severity }) },
      ...(type === 'issue.trace.added' ? { trace: { run_id: randomUUID(), trace_id: randomUUID(), start_time: new Date().toISOString(), ...(comment === undefined ? {} : { comment }) } } : {}),
    },
  }));

export const githubDeliveryArb = fc.record({
  event: fc.constantFrom('issues', 'issue_comment', 'pull_request', 'release', 'push', 'star', 'ping'),
  payload: fc.record({
    action: fc.constantFrom('opened', 'closed', 'created', 'published', 'labeled'),
    repository: fc.constant({ full_name: 'acme/agents' }),
    issue: fc.record({ number: fc.integer({ min: 1, max: 10_000 }), title: printable(1, 80) }),
    sender: fc.record({ login: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }),
  }),
});

export const signalArb = fc
  .record({
    source: fc.stringMatching(/^[\w.:-]{1,40}$/),
    kind: fc.constantFrom('tool_error', 'timeout', 'eval_failure', 'negative_feedback', 'anomaly', 'guardrail', 'other'),
    workflow: printable(1, 60),
    title: printable(1, 200),
    message: fc.option(fc.string({ unit: 'grapheme', maxLength: 300 }), { nil: undefined }),
    severity: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  })
  .map((signal) => ({ id: randomUUID(), ...signal }));

// ---- hostile requests ----

/** Header values a socket can carry: latin-1 code units without CR, LF or NUL (a Request refuses those). */
const headerSafe = (s: string) => s.replace(/[\u0000-\u0008\u000a-\u001f]/g, '');

export const headerValueArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 80 }).map(headerSafe),
  // Unicode arrives as its UTF-8 bytes, read as latin-1: what a server sees on the wire.
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => headerSafe(Buffer.from(s, 'utf8').toString('latin1'))),
  fc.integer({ min: 1_000, max: 12_000 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    'null',
    'sha256=',
    'sha256==',
    `sha256=${'g'.repeat(64)}`,
    `sha256=${'A'.repeat(64)}`,
    `sha256=${'0'.repeat(63)}`,
    `sha256=${'0'.repeat(65)}`,
    `sha1=${'a'.repeat(40)}`,
    'v1,',
    'v1,AAAA',
    `v1,${'A'.repeat(44)} v1,${'B'.repeat(44)} v2,x`,
    'Bearer',
    'Bearer ',
    `Bearer ${'x'.repeat(5_000)}`,
    `Bearer ${READ_TOKEN}`,
    '../../etc/passwd',
    '%00',
    '\u00ff\u00fe',
  ),
);

const adversarialScalarArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\ud83d\ude00', '\ufeff', '', ' ', 'x'.repeat(250), '__proto__', 'constructor'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
);
const adversarialValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: adversarialScalarArb },
  { weight: 1, arbitrary: fc.array(adversarialScalarArb, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), adversarialScalarArb, { maxKeys: 4 }) },
);
const maybe = (arb: fc.Arbitrary<unknown>) => fc.option(arb, { nil: undefined, freq: 3 });
const known = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: adversarialValueArb });

/** Shapes that look like what each route expects, with any field missing, ill-typed or hostile. */
const lookalikeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      id: known(fc.uuid()),
      type: known(fc.constantFrom('issue.created', 'issue.trace.added', 'issue.agent_run.failed', 'other')),
      created: maybe(adversarialValueArb),
      request_id: maybe(adversarialValueArb),
      data: fc.record(
        {
          object: maybe(fc.record({ id: known(fc.uuid()), name: known(fc.string()), session_name: known(fc.string()), severity: maybe(adversarialValueArb) }, { requiredKeys: [] })),
          trace: maybe(fc.record({ run_id: known(fc.uuid()), trace_id: known(fc.uuid()), start_time: maybe(adversarialValueArb) }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      id: known(fc.uuid()),
      source: known(fc.constantFrom('eval-ci', 'langsmith', 'github')),
      kind: maybe(adversarialValueArb),
      workflow: known(fc.string()),
      title: known(fc.string()),
      trace: maybe(fc.record({ trace_id: known(fc.uuid()), url: maybe(adversarialValueArb) }, { requiredKeys: [] })),
      attributes: maybe(fc.dictionary(fc.string({ maxLength: 8 }), adversarialValueArb, { maxKeys: 4 })),
    },
    { requiredKeys: [] },
  ),
  fc.record({ signals: fc.oneof(fc.array(adversarialValueArb, { maxLength: 4 }), adversarialValueArb) }),
  fc.record({ action: known(fc.string()), issue: maybe(adversarialValueArb), repository: maybe(adversarialValueArb) }, { requiredKeys: [] }),
);

/** Texts no generator of values produces: deep nesting, escapes PostgreSQL refuses, odd numbers, BOMs. */
const adversarialTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 3_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 1, max: 1_500 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
  fc.constantFrom(
    '',
    ' ',
    'null',
    '0',
    '"string"',
    '{}',
    '[]',
    '\ufeff{}',
    '{"id":"a\\u0000b","type":"issue.created","data":{}}',
    '{"id":"x","type":"t","data":{"k\\u0000":1}}',
    '{"id":"x","type":"t","data":{"s":"\\ud800"}}',
    '{"id":"x","id":"y","type":"t","data":{}}',
    '{"id":"x","type":"t","data":{},"__proto__":{"polluted":true}}',
    '{"n":1e999999}',
    '{"n":-0.0000000000000000000000000001e-99999}',
    '{"a":01}',
    "{'a':1}",
    '{"a":1,}',
    '{"a":"\\x41"}',
    '{"a":NaN}',
  ),
);

/** A JSON body padded (with a `pad` string) to exactly `bytes` bytes, or as close above as it can be. */
export function padJson(value: Record<string, unknown>, bytes: number): Uint8Array {
  const base = Buffer.byteLength(JSON.stringify({ ...value, pad: '' }));
  return utf8(JSON.stringify({ ...value, pad: 'x'.repeat(Math.max(0, bytes - base)) }));
}

type Path = Array<string | number>;

function leafPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...path, i]));
  if (typeof value === 'object' && value !== null) return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))];
  return [path];
}

function replaceAt(value: unknown, path: Path, replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[head!] = replaceAt(copy[head!], rest, replace);
  return copy;
}

/** A well-formed delivery with one value replaced, or one key added, by something hostile. */
const mutatedArb = (base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.tuple(base, fc.nat(), adversarialValueArb, fc.option(fc.string({ unit: 'binary', maxLength: 12 }), { nil: undefined })).map(([value, at, hostile, key]) => {
    const paths = leafPaths(value);
    const path = paths[at % paths.length]!;
    return replaceAt(value, path, (old) =>
      key !== undefined && typeof old === 'object' && old !== null && !Array.isArray(old) ? { ...old, [key]: hostile } : hostile,
    );
  });

/** Bodies shaped for each route, so that signed ones get past parsing and reach validation and storage. */
export const routeShapedArb: Record<Route, fc.Arbitrary<unknown>> = {
  '/webhooks/langsmith': mutatedArb(langsmithEnvelopeArb),
  '/webhooks/github': mutatedArb(githubDeliveryArb.map((d) => d.payload)),
  '/v1/signals': mutatedArb(fc.oneof(signalArb, fc.array(signalArb, { minLength: 1, maxLength: 3 }).map((signals) => ({ signals })))),
};

const bodyArb = (maxBody: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 256 }).map(utf8) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map(utf8) },
    { weight: 5, arbitrary: lookalikeArb.map((v) => utf8(JSON.stringify(v) ?? 'null')) },
    { weight: 2, arbitrary: adversarialTextArb.map(utf8) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(lookalikeArb, fc.constantFrom(0, 1, maxBody - 1, maxBody, maxBody + 1, 2 * maxBody))
        .map(([v, n]) => (n === 0 ? new Uint8Array(0) : padJson(typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { v }, n))),
    },
  );

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/vnd.github+json',
  'application/json;;;',
  'application/jsonx',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  '',
];

const AUTH_HEADERS = ['x-langsmith-signature', 'authorization', 'x-hub-signature-256', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];

export interface HostileRequest {
  route: Route;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Chunk sizes to stream the body in (no content-length); empty sends it whole. */
  chunks: number[];
}

export function hostileRequestArb(maxBody: number): fc.Arbitrary<HostileRequest> {
  return fc
    .constantFrom(...ROUTES)
    .chain((route) =>
      fc.record({
        route: fc.constant(route),
        body: fc.oneof(bodyArb(maxBody), routeShapedArb[route].map((v) => utf8(JSON.stringify(v) ?? 'null'))),
        contentType: fc.oneof(
          { weight: 5, arbitrary: fc.constant('application/json') },
          { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
          { weight: 1, arbitrary: headerValueArb },
        ),
        // 'valid' signs whatever the body is, so hostile bodies also get past the signature checks.
        auth: fc.constantFrom('valid', 'valid-token', 'none', 'hostile'),
        hostile: fc.dictionary(fc.constantFrom(...AUTH_HEADERS), headerValueArb, { maxKeys: 4 }),
        githubEvent: fc.oneof(fc.constantFrom('issues', 'issue_comment', 'pull_request', 'release', 'ping', 'push'), headerValueArb),
        githubDelivery: fc.oneof(fc.uuid(), headerValueArb),
        requestId: fc.option(headerValueArb, { nil: undefined }),
        chunks: fc.oneof({ weight: 3, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }) }),
      }),
    )
    .map(({ route, body, contentType, auth, hostile, githubEvent, githubDelivery, requestId, chunks }) => {
      const headers: Record<string, string> = { 'content-type': contentType };
      if (requestId !== undefined) headers['x-request-id'] = requestId;
      if (route === '/webhooks/github') Object.assign(headers, { 'x-github-event': githubEvent, 'x-github-delivery': githubDelivery });
      if (auth === 'hostile') Object.assign(headers, hostile);
      if (auth === 'valid' || auth === 'valid-token') Object.assign(headers, authHeaders(route, body, { useToken: auth === 'valid-token' }));
      return { route, headers, body, chunks };
    });
}

/** The body as a stream of the given chunk sizes (the last chunk takes whatever is left). */
export function chunkedStream(body: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      let at = 0;
      for (const size of sizes) {
        if (at >= body.length) break;
        controller.enqueue(body.slice(at, at + size));
        at += size;
      }
      if (at < body.length) controller.enqueue(body.slice(at));
      controller.close();
    },
  });
}

// ---- what a request stored ----

export type RowCounts = Record<string, number>;

/** Rows in every table of the public schema, read in one statement so the numbers are one snapshot. */
export async function countAllRows(query: (text: string) => Promise<Array<Record<string, unknown>>>): Promise<RowCounts> {
  const tables = (await query(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)).map((r) => String(r.table_name));
  const [row] = await query(`select ${tables.map((t) => `(select count(*) from "${t}")::int as "${t}"`).join(', ')}`);
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** Tables whose counts differ, with before and after. */
export function changedTables(before: RowCounts, after: RowCounts): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const t of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[t] !== after[t]) out[t] = [before[t] ?? 0, after[t] ?? 0];
  }
  return out;
}
