/** The REST API under /api (docs/server.md): runs, decisions, inbox, templates, artifacts, SSE, OpenAPI. */
import { Hono } from 'hono';
import type { AppEnv } from '../principal';
import { errorResponse } from './errors';
import { runEvents } from './events';
import { miscRoutes } from './misc';
import { openApiDocument } from './openapi';
import { runRoutes, type ApiDeps } from './runs';

export type { ApiDeps };
export { errorResponse } from './errors';

export function apiRoutes(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/openapi.json', (c) => c.json(openApiDocument(new URL(c.req.url).origin)));
  app.get('/runs/:id/events', (c) => runEvents(c, deps.api));
  app.route('/runs', runRoutes(deps));
  app.route('/', miscRoutes(deps.api));
  app.notFound((c) =>
    c.json(
      { error: `no route ${c.req.method} ${c.req.path}`, hint: 'GET /api/openapi.json lists the routes.' },
      404,
    ),
  );
  app.onError((error, c) => {
    const answered = errorResponse(c, error);
    if (answered) return answered;
    console.error(`baton serve: ${c.req.method} ${c.req.path}: ${error.message}`);
    return c.json({ error: 'internal error; see the server log' }, 500);
  });
  return app;
}
