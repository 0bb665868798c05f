// GET /: the overview page for people on call (scope `read`; a browser may sign in with HTTP Basic).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { requirePageScope } from '../auth.js';
import type { AppEnv } from '../context.js';
import { htmlPage } from '../pages/layout.js';
import { readOverview } from '../pages/overview_data.js';
import { renderOverview } from '../pages/overview_render.js';

export function registerOverviewPage(app: OpenAPIHono<AppEnv>) {
  app.get('/', requirePageScope('read'), async (c) => {
    const { database, queue } = c.var.services;
    return htmlPage(c, renderOverview(await readOverview(database.db, queue)));
  });
}
