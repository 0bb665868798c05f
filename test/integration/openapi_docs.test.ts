// /openapi.json is a structurally valid OpenAPI 3.1 document covering every /v1 route the app serves, each
// with a summary, responses and the security it needs; /docs renders every operation and schema in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationAnchor, operationsOf, type OpenApiDocument } from '../../src/http/pages/docs_render.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const SCOPES = ['read', 'write', 'admin'];

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

describe('OpenAPI document and docs page', () => {
  let h: Harness;
  let doc: OpenApiDocument;
  let page: string;

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false });
    doc = (await (await h.app.request('/openapi.json')).json()) as OpenApiDocument;
    const res = await h.app.request('/docs');
    expect(res.status).toBe(200);
    page = await res.text();
  });
  afterAll(() => h?.close());

  it('is OpenAPI 3.1 with an info object and paths', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.paths ?? {}).length).toBeGreaterThan(0);
    for (const path of Object.keys(doc.paths!)) expect(path).toMatch(/^\//);
  });

  it('documents every /v1 route the app serves', () => {
    const served = new Set(
      h.app.routes
        .filter((r) => r.path.startsWith('/v1/') && r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(operationsOf(doc).map((o) => `${o.method} ${o.path}`));
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect(served.size).toBeGreaterThan(10);
  });

  it('gives every operation responses with descriptions, and declares every path parameter', () => {
    for (const { method, path, op } of operationsOf(doc)) {
      const where = `${method} ${path}`;
      const responses = Object.entries(op.responses ?? {});
      expect(responses.length, where).toBeGreaterThan(0);
      for (const [status, r] of responses) {
        expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof r.description, `${where} ${status}`).toBe('string');
      }
      for (const name of path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
        expect(op.parameters?.find((p) => p.in === 'path' && p.name === name), `${where} {${name}}`).toMatchObject({ required: true });
      }
    }
  });

  it('gives every /v1 operation a summary and a security requirement naming a declared scheme and a scope', () => {
    const schemes = doc.components?.securitySchemes ?? {};
    for (const { method, path, op } of operationsOf(doc).filter((o) => o.path.startsWith('/v1/'))) {
      const where = `${method} ${path}`;
      expect(op.summary?.trim(), where).toBeTruthy();
      expect(op.security?.length, where).toBeGreaterThan(0);
      for (const requirement of op.security!) for (const scheme of Object.keys(requirement)) expect(schemes, `${where}: ${scheme}`).toHaveProperty(scheme);
      const scopes = op.security!.flatMap((r) => Object.values(r).flat());
      expect(scopes.some((s) => SCOPES.includes(s)), `${where} names a scope`).toBe(true);
    }
  });

  it('resolves every $ref to a component', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect((doc.components as Record<string, Record<string, unknown>> | undefined)?.[section!]?.[name!], ref).toBeDefined();
    }
  });

  it('renders every path and operation of the document on /docs, with its summary and scope', () => {
    for (const path of Object.keys(doc.paths!)) expect(page).toContain(`<span class="path">${path}</span>`);
    for (const { method, path, op } of operationsOf(doc)) {
      const start = page.indexOf(`<div class="op" id="${operationAnchor(method, path)}">`);
      expect(start, `${method} ${path}`).toBeGreaterThan(-1);
      const section = page.slice(start, page.indexOf('</div>\n', start));
      expect(section).toContain(`<span class="method method-${method}">${method}</span>`);
      if (op.summary) expect(section).toContain(op.summary.replaceAll('"', '&quot;'));
      for (const scope of (op.security ?? []).flatMap((r) => Object.values(r).flat())) expect(section).toContain(`&quot;${scope}&quot; scope`);
    }
  });

  it('renders every schema and the error shape on /docs', () => {
    for (const name of Object.keys(doc.components?.schemas ?? {})) expect(page).toContain(`id="schema-${name}"`);
    expect(page).toContain('<h2 id="errors">Errors</h2>');
    expect(page).toContain('<code>unauthorized</code></td><td class="num">401</td>');
  });
});
