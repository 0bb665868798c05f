// The API docs page as a pure function of the OpenAPI document that /openapi.json serves, so the two never
// disagree: every operation with its scope, parameters, bodies and responses, the schemas, and the error shape.
import { html } from 'hono/html';
import { ERROR_STATUS } from '../errors.js';
import { renderPage, type Html } from './layout.js';

/** The parts of an OpenAPI 3.1 document the page reads; everything else is ignored. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

interface MediaTypes {
  [contentType: string]: { schema?: JsonSchema };
}

export interface Operation {
  summary?: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }>;
  requestBody?: { description?: string; required?: boolean; content?: MediaTypes };
  responses?: Record<string, { description?: string; content?: MediaTypes }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    securitySchemes?: Record<string, { type: string; scheme?: string; name?: string; in?: string; description?: string }>;
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operationsOf(doc: OpenApiDocument): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method]! })),
  );
}

export function operationAnchor(method: string, path: string): string {
  return `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

const schemaAnchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function renderDocs(doc: OpenApiDocument): string {
  const ops = operationsOf(doc);
  const schemas = Object.entries(doc.components?.schemas ?? {});
  return renderPage({
    title: `${doc.info.title} · API docs`,
    current: '/docs',
    body: html`<h1>${doc.info.title} API <span class="muted">${doc.info.version}</span></h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a> (OpenAPI ${doc.openapi}), which the route definitions produce: what is here is what the server checks.</p>
${authentication(doc)}
<section class="panel" aria-labelledby="operations">
<h2 id="operations">Operations</h2>
<ul class="toc">${ops.map(
      ({ method, path, op }) => html`<li><a href="#${operationAnchor(method, path)}"><span class="method method-${method}">${method}</span> <span class="path">${path}</span></a> <span class="muted">${op.summary ?? ''}</span></li>`,
    )}</ul>
${ops.map(({ method, path, op }) => operation(method, path, op))}
</section>
${errorShape()}
<section class="panel" aria-labelledby="schemas">
<h2 id="schemas">Schemas</h2>
${schemas.map(([name, schema]) => html`<div class="op" id="${schemaAnchor(name)}"><h3>${name}</h3>${schema.description ? html`<p>${schema.description}</p>` : ''}<div class="schema">${schemaTree(schema)}</div></div>`)}
</section>`,
  });
}

function authentication(doc: OpenApiDocument): Html {
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  return html`<section class="panel" aria-labelledby="auth">
<h2 id="auth">Authentication</h2>
<p>Each operation names what it requires. Any one of the listed requirements is enough.</p>
<ul>${schemes.map(
    ([name, s]) => html`<li><code>${name}</code> (${s.type}${s.scheme ? ` ${s.scheme}` : ''}${s.in && s.name ? `, ${s.in} ${s.name}` : ''})${s.description ? html`: ${s.description}` : ''}</li>`,
  )}</ul>
</section>`;
}

/** "a token with the read scope", or the schemes a requirement names, or that the route is open. */
export function describeSecurity(security: Operation['security']): string[] {
  if (!security || security.length === 0) return ['none: the route is open'];
  return security.map((req) => {
    const parts = Object.entries(req).map(([scheme, scopes]) => (scopes.length ? `${scheme} with the ${scopes.map((s) => `"${s}"`).join(', ')} scope` : scheme));
    return parts.length ? parts.join(' and ') : 'none';
  });
}

function operation(method: string, path: string, op: Operation): Html {
  const params = op.parameters ?? [];
  const responses = Object.entries(op.responses ?? {});
  return html`<div class="op" id="${operationAnchor(method, path)}">
<h3><span class="method method-${method}">${method}</span> <span class="path">${path}</span></h3>
${op.summary ? html`<p><strong>${op.summary}</strong></p>` : ''}
${op.description ? html`<p>${op.description}</p>` : ''}
<p>Requires: ${describeSecurity(op.security).map((s, i) => html`${i > 0 ? ' or ' : ''}<code>${s}</code>`)}</p>
${
  params.length
    ? html`<h4>Parameters</h4><table class="params"><thead><tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead><tbody>${params.map(
        (p) => html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td>${p.schema ? schemaSummary(p.schema) : ''}</td><td>${p.description ?? p.schema?.description ?? ''}</td></tr>`,
      )}</tbody></table>`
    : ''
}
${op.requestBody ? html`<h4>Request body${op.requestBody.required ? ' (required)' : ''}</h4>${op.requestBody.description ? html`<p>${op.requestBody.description}</p>` : ''}${content(op.requestBody.content)}` : ''}
<h4>Responses</h4>
<table class="responses"><thead><tr><th>status</th><th>meaning and body</th></tr></thead><tbody>${responses.map(
    ([status, r]) => html`<tr><td><code>${status}</code></td><td>${r.description ?? ''}${content(r.content)}</td></tr>`,
  )}</tbody></table>
</div>`;
}

function content(media: MediaTypes | undefined): Html | string {
  if (!media) return '';
  return html`${Object.entries(media).map(([type, m]) => html`<div class="schema"><span class="muted">${type}</span>${m.schema ? schemaTree(m.schema) : ''}</div>`)}`;
}

function refName(ref: string): string {
  return ref.split('/').pop() ?? ref;
}

/** One line naming a schema's type: `string (uuid)`, `"a" | "b"`, `array of Family`, `integer 0–3`. */
export function schemaSummary(s: JsonSchema): Html {
  if (s.$ref) {
    const name = refName(s.$ref);
    return html`<a href="#${schemaAnchor(name)}">${name}</a>`;
  }
  if (s.enum) return html`<span class="type">${s.enum.map((v) => JSON.stringify(v)).join(' | ')}</span>`;
  if (s.const !== undefined) return html`<span class="type">${JSON.stringify(s.const)}</span>`;
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return html`${alternatives.map((a, i) => html`${i > 0 ? ' or ' : ''}${schemaSummary(a)}`)}`;
  if (s.allOf) return html`${s.allOf.map((a, i) => html`${i > 0 ? ' and ' : ''}${schemaSummary(a)}`)}`;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const main = types.filter((t) => t !== 'null');
  const nullable = types.includes('null') ? ' or null' : '';
  if (main.includes('array')) return html`<span class="type">array of </span>${s.items ? schemaSummary(s.items) : 'anything'}<span class="type">${nullable}${constraints(s)}</span>`;
  const name = main.length ? main.join(' | ') : s.properties ? 'object' : 'any';
  return html`<span class="type">${name}${s.format ? ` (${s.format})` : ''}${nullable}${constraints(s)}</span>`;
}

function constraints(s: JsonSchema): string {
  const c: string[] = [];
  if (s.minimum !== undefined || s.maximum !== undefined) c.push(`${s.minimum ?? ''}–${s.maximum ?? ''}`);
  if (s.exclusiveMinimum !== undefined) c.push(`> ${s.exclusiveMinimum}`);
  if (s.exclusiveMaximum !== undefined) c.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) c.push(`length ${s.minLength ?? 0}–${s.maxLength ?? '∞'}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) c.push(`${s.minItems ?? 0}–${s.maxItems ?? '∞'} items`);
  if (s.pattern) c.push(`matching ${s.pattern}`);
  if (s.default !== undefined) c.push(`default ${JSON.stringify(s.default)}`);
  return c.length ? `, ${c.join(', ')}` : '';
}

/** A schema as nested lists: objects show their properties (required or optional), arrays their items. */
export function schemaTree(s: JsonSchema, depth = 0): Html {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives && depth <= 8 && alternatives.some((a) => a.properties || a.items?.properties)) {
    return html` <span class="type">one of</span><ul>${alternatives.map((a) => html`<li>${schemaTree(a, depth + 1)}</li>`)}</ul>`;
  }
  const objectOf = s.properties ? s : s.items?.properties ? s.items : null;
  if (!objectOf || depth > 8) return html` ${schemaSummary(s)}`;
  const required = new Set(objectOf.required ?? []);
  const head = objectOf === s ? html` <span class="type">object</span>` : html` ${schemaSummary({ ...s, items: { type: 'object' } })}`;
  return html`${head}<ul>${Object.entries(objectOf.properties ?? {}).map(
    ([name, p]) => html`<li><span class="name">${name}</span>${required.has(name) ? '' : html` <span class="muted">optional</span>`}:${schemaTree(p, depth + 1)}${p.description ? html` <span class="muted">— ${p.description}</span>` : ''}</li>`,
  )}</ul>`;
}

function errorShape(): Html {
  return html`<section class="panel" aria-labelledby="errors">
<h2 id="errors">Errors</h2>
<p>Every error answer has one shape, whatever the route:</p>
<pre>{"error": {"code": "&lt;code&gt;", "message": "&lt;what went wrong, for a person&gt;"}}</pre>
<table class="error-codes"><thead><tr><th>code</th><th class="num">status</th></tr></thead><tbody>${Object.entries(ERROR_STATUS).map(
    ([code, status]) => html`<tr><td><code>${code}</code></td><td class="num">${status}</td></tr>`,
  )}</tbody></table>
</section>`;
}
