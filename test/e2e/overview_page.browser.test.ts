// The overview and docs pages in headless Chromium (Debian's chromium driven by playwright-core): recur is
// served over HTTP with families in several statuses, a ticket, gate checks and a hostile title; the browser
// signs in with HTTP Basic, and the page must show it all, run nothing, and log no error. Screenshots go to
// test-results/. Chromium is required like the database servers: without it the run fails and says how to
// install it, unless RECUR_TEST_SKIP_SERVICES=1 asked for a quick run.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settled, startHarness, type Harness } from '../helpers/recur.js';

const CHROMIUM = process.env.RECUR_CHROMIUM ?? '/usr/bin/chromium';
const found = existsSync(CHROMIUM);
const required = process.env.RECUR_TEST_SKIP_SERVICES !== '1';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const READ_TOKEN = 'browser-read-token-0123456789';
const WRITE_TOKEN = 'browser-write-token-0123456789';
const HOSTILE = '<img src=x onerror=alert(1)>';
const DAY = 86_400_000;

describe('chromium is available', () => {
  it.runIf(required && !found)(`needs ${CHROMIUM}`, () => {
    throw new Error(`${CHROMIUM} is missing: install it (Debian: sudo apt-get install chromium), or run RECUR_TEST_SKIP_SERVICES=1 npm test to skip this test`);
  });
});

describe.skipIf(!found)('overview page in headless Chromium', () => {
  let h: Harness;
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const problems: string[] = [];
  let cspHeader: string | undefined;
  const families: Record<string, any> = {};

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${method === 'GET' ? READ_TOKEN : WRITE_TOKEN}` },
    });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return res.json() as Promise<any>;
  };
  const signal = (title: string, severity: number, workflow: string, daysAgo: number) => ({
    id: randomUUID(),
    source: 'eval-ci',
    kind: 'tool_error',
    workflow,
    title,
    message: `${title} (${workflow})`,
    severity,
    trace: { trace_id: randomUUID(), run_id: randomUUID() },
    occurred_at: new Date(Date.now() - daysAgo * DAY - 3_600_000).toISOString(),
  });

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', env: { RECUR_API_TOKENS: `viewer:read:${READ_TOKEN},ci:write:${WRITE_TOKEN}` } });
    await api('POST', '/v1/signals', {
      signals: [
        signal(HOSTILE, 0, 'refund-agent', 0),
        signal(HOSTILE, 0, 'refund-agent', 2),
        signal('Search tool returns stale documents', 2, 'search-agent', 1),
        signal('Search tool returns stale documents', 2, 'search-agent', 4),
        signal('Search tool returns stale documents', 2, 'search-agent', 6),
        signal('Greeting uses the wrong customer name', 3, 'support-agent', 3),
      ],
    });
    expect(await settled(h.services)).toBe(true);
    for (const f of (await api('GET', '/v1/families')).items) families[f.workflow] = f;
    await api('PATCH', `/v1/families/${families['support-agent'].id}`, { status: 'ignored' });
    await api('GET', '/v1/gates/refund-agent?release=v1.4.0&environment=prod');
    await api('GET', '/v1/gates/search-agent?release=r9');

    server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ httpCredentials: { username: 'viewer', password: READ_TOKEN }, viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    const res = await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    cspHeader = res?.headers()['content-security-policy'];
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/overview.png', fullPage: true });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
  });

  it('is served with a CSP that forbids scripts, runs nothing and logs no error', async () => {
    expect(cspHeader).toContain("default-src 'none'");
    expect(cspHeader).not.toContain('unsafe');
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
  });

  it('shows the hostile title as text and creates no element from it', async () => {
    const row = page.locator(`tr[data-family-id="${families['refund-agent'].id}"]`);
    await expect.poll(() => row.locator('td.title').innerText()).toContain(HOSTILE);
    expect(await page.locator('img').count()).toBe(0);
  });

  it('applies the stylesheet from its own origin', async () => {
    const radius = await page.locator('.badge').first().evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
    expect(radius).toBe('10px');
  });

  it('counts families by status', async () => {
    const count = (status: string) => page.locator(`.card[data-status="${status}"] .value`).innerText();
    expect(await count('open')).toBe('1');
    expect(await count('watching')).toBe('1');
    expect(await count('ignored')).toBe('1');
    expect(await count('resolved')).toBe('0');
  });

  it('lists families most urgent first, with workflow, boundary, owner, last seen and traces', async () => {
    const rows = page.locator('table.families tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td:nth-child(5)')!.textContent))).toEqual(['refund-agent', 'search-agent', 'support-agent']);
    const search = page.locator(`tr[data-family-id="${families['search-agent'].id}"]`);
    const cells = await search.locator('td').allInnerTexts();
    expect(cells[0]).toBe('sev2');
    expect(cells[1]).toBe('watching');
    expect(cells[3]).toBe('none');
    expect(cells[5]).toBe(families['search-agent'].boundary);
    expect(cells[7]).toBe('1 d ago');
    expect(cells[8]).toBe('3');
  });

  it('links the ticket to its URL', async () => {
    const ticket = families['refund-agent'].ticket;
    const link = page.locator(`tr[data-family-id="${families['refund-agent'].id}"] a`);
    expect(await link.innerText()).toBe(`${ticket.repo}#${ticket.number}`);
    expect(await link.getAttribute('href')).toBe(ticket.url);
  });

  it('draws a recurrence chart with a bar per day that had occurrences', async () => {
    const chart = page.locator(`tr[data-family-id="${families['search-agent'].id}"] svg.spark`);
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.locator('rect.bar').count()).toBe(3);
    expect(await chart.getAttribute('aria-label')).toContain('3 occurrences in the last 14 days');
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(50);
  });

  it('shows the latest gate decision per workflow', async () => {
    const refund = await page.locator('tr[data-workflow="refund-agent"] td').allInnerTexts();
    expect(refund.slice(0, 5)).toEqual(['refund-agent', 'block', 'v1.4.0', 'prod', '1']);
    const search = await page.locator('tr[data-workflow="search-agent"] td').allInnerTexts();
    expect(search.slice(0, 5)).toEqual(['search-agent', 'pass', 'r9', 'any', '0']);
  });

  it('shows queue health', async () => {
    expect(await page.locator('[data-metric="pending"] .value').innerText()).toBe('0');
    expect(await page.locator('[data-metric="dead"] .value').innerText()).toBe('0');
    expect(await page.locator('[data-metric="oldest-pending"] .value').innerText()).toBe('none');
    expect(await page.locator('[data-metric^="depth:"]').count()).toBeGreaterThan(0);
  });

  it('renders the docs page with every operation, and nothing fails there either', async () => {
    const res = await page.goto(`${base}/docs`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    await page.screenshot({ path: 'test-results/docs.png', fullPage: true });
    const doc = (await (await h.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('div.op[id^="op-"]').count()).toBe(operations);
    expect(await page.getByRole('heading', { name: 'Errors' }).isVisible()).toBe(true);
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
