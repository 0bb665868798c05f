// GET /assets/recur.css and /assets/icon.svg: the pages' stylesheet and icon. Open, so the browser can fetch
// them before anyone signs in; they hold nothing but looks.
import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { ICON_PATH, STYLESHEET_PATH } from '../pages/layout.js';
import { ICON, STYLESHEET } from '../pages/stylesheet.js';

export function registerPageAssets(app: OpenAPIHono<AppEnv>) {
  serveAsset(app, STYLESHEET_PATH, STYLESHEET, 'text/css; charset=utf-8');
  serveAsset(app, ICON_PATH, ICON, 'image/svg+xml');
}

function serveAsset(app: OpenAPIHono<AppEnv>, path: string, body: string, contentType: string) {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
  const headers = { etag, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' };
  app.get(path, (c) => {
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'content-type': contentType });
  });
}
