// GET /docs: the API reference for people, rendered from the same OpenAPI document as /openapi.json. Open,
// like /openapi.json: it describes the API, not the data behind it.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { renderDocs, type OpenApiDocument } from '../pages/docs_render.js';
import { htmlPage } from '../pages/layout.js';

export function registerDocsPage(app: OpenAPIHono<AppEnv>, document: () => object) {
  let page: string | undefined;
  app.get('/docs', (c) => htmlPage(c, (page ??= renderDocs(document() as OpenApiDocument))));
}
