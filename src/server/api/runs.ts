/** /api/runs: list and start runs, read one, decide its gates, cancel it. */
import { Hono } from 'hono';
import type { BatonApi } from '../../client/api';
import { requirePrincipal } from '../auth';
import { decideAs, type DecideAsSettings } from '../decide-as';
import type { AppEnv } from '../principal';
import { jsonBody, parseOr400 } from './errors';
import { DecisionBodySchema, RunsQuerySchema, StartBodySchema } from './schemas';

export interface ApiDeps {
  api: BatonApi;
  /** Roles and signing, for decisions (the server's config). */
  decide: DecideAsSettings;
}

export function runRoutes({ api, decide }: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const query = parseOr400(RunsQuerySchema, c.req.query(), 'query');
    const runs = await api.runs({ state: query.state, template: query.template, limit: query.limit });
    const open = query['has-open-gate'];
    return c.json(
      open === undefined ? runs : runs.filter((r) => r.pendingGates.length > 0 === (open === 'true')),
    );
  });
  app.post('/', async (c) => {
    requirePrincipal(c);
    const body = parseOr400(StartBodySchema, await jsonBody(c), 'body');
    // The worker checks agent names at the run's start; this server's machine may have other agents.
    return c.json(await api.start({ ...body, skipAgentCheck: true }), 201);
  });
  app.get('/:id', async (c) => c.json(await api.status({ id: c.req.param('id') })));
  app.post('/:id/decisions', async (c) => {
    const principal = requirePrincipal(c);
    const body = parseOr400(DecisionBodySchema, await jsonBody(c), 'body');
    const result = await decideAs(api, principal, { id: c.req.param('id'), ...body }, decide);
    if (result.outcome === 'decided') return c.json(result, 201);
    const { decision } = result;
    return c.json(
      {
        error: `gate ${result.gate} was already decided: ${decision.action} by ${decision.by} at ${decision.at}`,
        ...result,
      },
      409,
    );
  });
  app.post('/:id/cancel', async (c) => {
    requirePrincipal(c);
    const id = c.req.param('id');
    await api.cancel({ id });
    return c.json({ cancelled: true as const, id }, 202);
  });
  return app;
}
