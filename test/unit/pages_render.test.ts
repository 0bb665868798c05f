// The HTML pages as pure functions: untrusted text stays text, links are only http(s), the recurrence chart
// and the time phrases say what the data says, and the docs page renders every operation of a document.
import { describe, expect, it } from 'vitest';
import { describeSecurity, operationAnchor, renderDocs, schemaSummary, schemaTree, type OpenApiDocument } from '../../src/http/pages/docs_render.js';
import { safeHref, toText } from '../../src/http/pages/layout.js';
import { dailySeries, type OverviewData, type OverviewFamily } from '../../src/http/pages/overview_data.js';
import { duration, renderOverview, timeAgo } from '../../src/http/pages/overview_render.js';
import { barHeights, renderSparkline } from '../../src/http/pages/sparkline.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const HOSTILE = `<img src=x onerror=alert(1)>"'&`;

function family(over: Partial<OverviewFamily> = {}): OverviewFamily {
  return {
    id: '6f1c1f4e-8f43-4c7e-9a59-0d5b1a8e2f10',
    title: 'Refund flow calls payment API before policy check',
    workflow: 'refund-agent',
    boundary: 'downstream_api',
    severity: 0,
    boundary_detail: { confidence: 0.9, source: 'rules', reasons: ['503 from the payment API in 3 of 3 signals'] },
    status: 'open',
    fingerprint: null,
    grouping_version: 'g-2026-12-04',
    owner: { team: 'acme/payments', assignees: ['alice'], reason: null },
    first_seen: new Date(NOW.getTime() - 3 * 86_400_000).toISOString(),
    last_seen: new Date(NOW.getTime() - 5 * 60_000).toISOString(),
    trace_count: 3,
    event_count: 3,
    upstream: [],
    ticket: { provider: 'github', repo: 'acme/agents', number: 12, url: 'https://github.com/acme/agents/issues/12', state: 'open' },
    fix: { status: 'none', pull_request: null, release: null },
    evaluators: [],
    guarded: false,
    reopen_count: 0,
    recurrence: { last_hour: 1, last_day: 4, last_week: 7 },
    merged_into: null,
    daily: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 4],
    ...over,
  };
}

function overview(over: Partial<OverviewData> = {}): OverviewData {
  return {
    now: NOW,
    counts: [
      { status: 'open', severity: 0, count: 2 },
      { status: 'watching', severity: 2, count: 5 },
      { status: 'watching', severity: 3, count: 1 },
    ],
    families: [family()],
    gates: [{ workflow: 'refund-agent', release: 'v1.2.3', environment: 'prod', decision: 'block', blocking: 1, checkedAt: new Date(NOW.getTime() - 2 * 3_600_000) }],
    queue: { driver: 'in-process', depth: { 'recur-inbox': 3, 'recur-tickets': 0 }, pending: 4, oldestPendingAt: new Date(NOW.getTime() - 90_000), dead: 2 },
    ...over,
  };
}

describe('overview page rendering', () => {
  it('escapes every untrusted field, in text and in attributes', () => {
    const page = renderOverview(
      overview({
        families: [family({ title: HOSTILE, workflow: HOSTILE, owner: { team: HOSTILE, assignees: [HOSTILE], reason: HOSTILE }, id: HOSTILE, ticket: { provider: 'local', repo: HOSTILE, number: 1, url: 'https://x.test/"><script>alert(1)</script>', state: 'open' } })],
        gates: [{ workflow: HOSTILE, release: HOSTILE, environment: HOSTILE, decision: 'pass', blocking: 0, checkedAt: NOW }],
      }),
    );
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    expect(page).toContain('data-family-id="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"');
    expect(page).toContain('href="https://x.test/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it.each([
    ['https://github.com/acme/agents/issues/12', 'https://github.com/acme/agents/issues/12'],
    ['http://localhost:3000/v1/local-issues/local/recur/1', 'http://localhost:3000/v1/local-issues/local/recur/1'],
    ['javascript:alert(1)', null],
    ['JaVaScRiPt:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['//evil.test/x', null],
    ['https://ok.test/a b', null],
    ['', null],
    [null, null],
  ])('links %s as %s', (url, expected) => {
    expect(safeHref(url)).toBe(expected);
  });

  it('shows a non-http ticket URL as text, not a link', () => {
    const page = renderOverview(overview({ families: [family({ ticket: { provider: 'local', repo: 'local/recur', number: 7, url: 'javascript:alert(1)', state: 'open' } })] }));
    expect(page).toContain('<span>local/recur#7</span>');
    expect(page).not.toContain('javascript:');
  });

  it('counts families by status and severity, with totals', () => {
    const page = renderOverview(overview());
    expect(page).toContain('<tr data-status="watching"><td><span class="badge status-watching">watching</span></td><td class="num">0</td><td class="num">0</td><td class="num">5</td><td class="num">1</td><td class="num">6</td></tr>');
    expect(page).toContain('<tfoot><tr><th>all</th><th class="num">2</th><th class="num">0</th><th class="num">5</th><th class="num">1</th><th class="num">8</th></tr></tfoot>');
    expect(page).toContain('<div class="card alert" data-status="open"><div class="value">2</div>');
  });

  it('shows each family with its ticket link, owner, last seen, traces and chart', () => {
    const page = renderOverview(overview());
    expect(page).toContain('<a href="https://github.com/acme/agents/issues/12" rel="noopener noreferrer">acme/agents#12</a>');
    expect(page).toContain('acme/payments @alice');
    expect(page).toContain('>5 min ago</time>');
    expect(page).toContain('<td class="num">3</td>');
    expect(page).toContain('<svg class="spark"');
  });

  it('shows the latest gate per workflow and the queue health', () => {
    const page = renderOverview(overview());
    expect(page).toMatch(/<tr data-workflow="refund-agent">[\s\S]*badge decision-block">block<[\s\S]*v1\.2\.3[\s\S]*prod[\s\S]*<td class="num">1<\/td>[\s\S]*2 h ago/);
    expect(page).toContain('data-metric="depth:recur-inbox"><div class="value">3</div>');
    expect(page).toContain('data-metric="pending"><div class="value">4</div>');
    expect(page).toContain('data-metric="oldest-pending"><div class="value">1 min</div>');
    expect(page).toContain('<div class="card alert" data-metric="dead"><div class="value">2</div>');
  });

  it('says when the queue cannot report its depth, and when there is nothing to show', () => {
    const page = renderOverview(overview({ counts: [], families: [], gates: [], queue: { driver: 'bullmq-redis', depth: { error: 'no answer within 2000 ms' }, pending: 0, oldestPendingAt: null, dead: 0 } }));
    expect(page).toContain('queue depth (no answer within 2000 ms)');
    expect(page).toContain('No failure families yet.');
    expect(page).toContain('No gate checks yet.');
    expect(page).toContain('data-metric="oldest-pending"><div class="value">none</div>');
  });
});

describe('recurrence chart', () => {
  it.each([
    [[0, 0, 0], [0, 0, 0]],
    [[1, 2, 4], [6, 12, 24]],
    [[100, 1, 0], [24, 2, 0]],
    [[5], [24]],
  ])('scales %j to bar heights %j', (counts, heights) => {
    expect(barHeights(counts)).toEqual(heights);
  });

  it('draws one bar per day that had occurrences, today marked, with a text label', () => {
    const svg = toText(renderSparkline([0, 3, 0, 1]));
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain('<rect class="bar today" x="21"');
    expect(svg).toContain('aria-label="4 occurrences in the last 4 days; per day, oldest first: 0, 3, 0, 1"');
  });

  it('lays grouped counts out oldest first, today last, ignoring days outside the window', () => {
    const series = dailySeries(
      [
        { familyId: 'a', daysAgo: 0, count: 4 },
        { familyId: 'a', daysAgo: 2, count: 1 },
        { familyId: 'b', daysAgo: 3, count: 2 },
        { familyId: 'b', daysAgo: 4, count: 9 },
        { familyId: 'b', daysAgo: -1, count: 9 },
      ],
      4,
    );
    expect(series.get('a')).toEqual([0, 1, 0, 4]);
    expect(series.get('b')).toEqual([2, 0, 0, 0]);
  });
});

describe('time phrases', () => {
  it.each([
    [-5_000, 'in the future'],
    [0, 'just now'],
    [59_000, 'just now'],
    [60_000, '1 min ago'],
    [3_599_000, '59 min ago'],
    [3_600_000, '1 h ago'],
    [86_400_000 * 3 + 5, '3 d ago'],
  ])('%i ms before now is "%s"', (ms, phrase) => {
    expect(timeAgo(new Date(NOW.getTime() - ms), NOW)).toBe(phrase);
  });

  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [125_000, '2 min'],
    [3_600_000 + 120_000, '1 h 2 min'],
    [86_400_000 * 2 + 3_600_000 * 5, '2 d 5 h'],
  ])('%i ms is "%s"', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });
});

describe('docs page rendering', () => {
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: { title: 'recur', version: '0.1.0' },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { Thing: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, note: { type: ['string', 'null'], description: HOSTILE } }, required: ['id'] } },
    },
    paths: {
      '/v1/things/{id}': {
        get: {
          summary: 'Get a thing',
          description: HOSTILE,
          security: [{ bearerAuth: ['read'] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': { description: 'the thing', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
        },
        patch: {
          summary: 'Change a thing',
          security: [{ bearerAuth: ['write'] }, { standardWebhooks: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { level: { type: 'integer', minimum: 0, maximum: 3 } } } } } },
          responses: { '204': { description: 'changed' } },
        },
      },
    },
  };

  it('renders every operation with its scope, parameters, body and responses, escaped', () => {
    const page = renderDocs(doc);
    expect(page).toContain(`id="${operationAnchor('get', '/v1/things/{id}')}"`);
    expect(page).toContain(`id="${operationAnchor('patch', '/v1/things/{id}')}"`);
    expect(page).toContain('<code>bearerAuth with the &quot;read&quot; scope</code>');
    expect(page).toContain('<code>bearerAuth with the &quot;write&quot; scope</code> or <code>standardWebhooks</code>');
    expect(page).toContain('<td><code>id</code></td><td>path</td><td>yes</td>');
    expect(page).toContain('<a href="#schema-Thing">Thing</a>');
    expect(page).toContain('<span class="name">level</span> <span class="muted">optional</span>: <span class="type">integer, 0–3</span>');
    expect(page).toContain('<span class="name">note</span> <span class="muted">optional</span>: <span class="type">string or null</span>');
    expect(page).not.toContain('<img');
  });

  it('lists the error shape and every error code', () => {
    const page = renderDocs(doc);
    expect(page).toContain('<pre>{"error": {"code": "&lt;code&gt;", "message": ');
    expect(page).toContain('<tr><td><code>forbidden</code></td><td class="num">403</td></tr>');
  });

  it.each([
    [undefined, ['none: the route is open']],
    [[{ bearerAuth: ['admin'] }], ['bearerAuth with the "admin" scope']],
    [[{ a: [], b: ['x'] }], ['a and b with the "x" scope']],
  ])('describes security %j', (security, text) => {
    expect(describeSecurity(security)).toEqual(text);
  });

  it.each([
    [{ type: 'array', items: { $ref: '#/components/schemas/Family' } }, 'array of </span><a href="#schema-Family">Family</a>'],
    [{ enum: ['pass', 'block'] }, '&quot;pass&quot; | &quot;block&quot;'],
    [{ anyOf: [{ type: 'string' }, { type: 'integer' }] }, '<span class="type">string</span> or <span class="type">integer</span>'],
    [{ type: 'string', maxLength: 100, default: 'x' }, 'string, length 0–100, default &quot;x&quot;'],
  ])('summarizes %j', (schema, text) => {
    expect(toText(schemaSummary(schema))).toContain(text);
  });
});

describe('docs schema trees', () => {
  it('expands each alternative of a union of objects', () => {
    const tree = toText(schemaTree({ anyOf: [{ type: 'object', properties: { id: { type: 'string' } } }, { type: 'object', properties: { signals: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } } } }] }));
    expect(tree).toContain('<span class="type">one of</span><ul><li> <span class="type">object</span><ul><li><span class="name">id</span> <span class="muted">optional</span>:');
    expect(tree).toContain('<span class="name">signals</span> <span class="muted">optional</span>: <span class="type">array of </span><span class="type">object</span>');
  });
});
