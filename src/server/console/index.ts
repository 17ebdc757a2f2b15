/**
 * The web approvals console: server-rendered pages (Hono's `html`) with htmx for live updates.
 * `createApp` mounts it at `/` behind the auth middleware, which sets `c.get('principal')`; pages
 * that need a user and have none redirect to /login. Decisions are always the logged-in user's.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { BatonApi } from '../../client/api';
import { localAgents } from '../../client/local';
import type { Roles } from '../../shared/governance';
import type { AgentInputSchemas } from '../../shared/input-schema';
import type { SecuritySettings } from '../auth/decision-key';
import type { AppEnv } from '../principal';
import { assetRoutes } from './assets';
import { decisionRoutes } from './decision-routes';
import { errorResponse } from './errors';
import { inboxBody, inboxPage } from './inbox';
import { filterRows, inboxKey, inboxRows, type InboxFilter } from './inbox-data';
import { sendPage } from './layout';
import { liveStream } from './live';
import { loginPage } from './login';
import { pageRoutes } from './page-routes';
import { gatesFragment, runDetails, runSummary } from './run-page';
import { runKeys, runView, type ViewContext } from './views';

export interface ConsoleOptions {
  api: BatonApi;
  /** The approver roles (`roles` in baton.config): who may decide a gate. */
  roles: Roles;
  /** `security` of the server's config: signing on, and each user's keys (decideAs signs with them). */
  security?: SecuritySettings;
  /** The Temporal Web UI's address, for links to a run (`<ui>/namespaces/<ns>/workflows/<id>`). */
  temporalUiUrl?: string;
  /** The Temporal namespace of the runs; default `default`. */
  namespace?: string;
  /**
   * The agents' input schemas, for modify forms; default: this machine's agents (`localAgents`).
   * When given, a start is checked against these agents' names too (the workers' agents).
   */
  agentSchemas?: () => Promise<AgentInputSchemas>;
  /** Pages may be read without logging in (`baton serve --public-read`); deciding still needs a user. */
  publicRead?: boolean;
  /** How often live pages re-read status; default 1000 ms. */
  pollMs?: number;
}

/** The console's pages, forms and live streams: the paths that need a user. */
const CONSOLE_PATHS = ['/', '/inbox/*', '/runs/*', '/start', '/start/*', '/live/*'];

/** What the auth layer's `/login?error=…` redirects mean. */
const LOGIN_ERRORS: Record<string, string> = {
  'bad-token': 'That token is not one of this server\'s tokens (revoked, or mistyped).',
  'missing-token': 'Enter your access token.',
};

export function consoleRoutes(options: ConsoleOptions): Hono<AppEnv> {
  let schemas: Promise<AgentInputSchemas> | undefined;
  const ctx: ViewContext = {
    api: options.api,
    decide: { roles: options.roles, ...(options.security ? { security: options.security } : {}) },
    agentSchemas: options.agentSchemas ?? (() => (schemas ??= localAgents().then((a) => a.schemas))),
    namespace: options.namespace ?? 'default',
    ...(options.agentSchemas ? { agentNames: async () => Object.keys(await ctx.agentSchemas()) } : {}),
    ...(options.temporalUiUrl ? { temporalUiUrl: options.temporalUiUrl } : {}),
  };
  const intervalMs = options.pollMs ?? 1000;
  const app = new Hono<AppEnv>();
  app.route('/assets', assetRoutes());
  app.get('/login', (c) => {
    const next = c.req.query('next');
    const error = LOGIN_ERRORS[c.req.query('error') ?? ''];
    return sendPage(c, loginPage({ ...(next?.startsWith('/') && !next.startsWith('//') ? { next } : {}), ...(error ? { error } : {}) }));
  });
  // Every other page needs a user, unless reads are public (then only deciding and starting do).
  // Scoped to the console's own paths: the app it is mounted in also serves /api, /mcp, /login.
  const needsUser: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (c.get('principal') || (options.publicRead && c.req.method === 'GET')) return next();
    if (c.req.method === 'GET' && !c.req.path.startsWith('/live/')) {
      return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
    }
    return c.text('Log in first: POST /login with your token, or send it as a Bearer header.', 401);
  };
  for (const path of CONSOLE_PATHS) app.use(path, needsUser);
  app.onError((error, c) => errorResponse(c, error));

  const filterOf = (q: (name: string) => string | undefined): InboxFilter => ({
    ...(q('kind') ? { kind: q('kind') } : {}),
    ...(q('template') ? { template: q('template') } : {}),
    ...(q('q') ? { q: q('q') } : {}),
  });
  app.get('/', async (c) => {
    const rows = await inboxRows(ctx.api);
    return sendPage(c, inboxPage(rows, filterOf((n) => c.req.query(n)), c.get('principal'), ctx.decide));
  });
  app.get('/live/inbox', (c) => {
    const filter = filterOf((n) => c.req.query(n));
    const principal = c.get('principal');
    return liveStream(
      c,
      async () => {
        const rows = filterRows(await inboxRows(ctx.api), filter);
        return { inbox: { key: inboxKey(rows), render: () => inboxBody(rows, principal, ctx.decide) } };
      },
      { intervalMs },
    );
  });
  app.get('/live/runs/:id', (c) => {
    const id = c.req.param('id');
    const principal = c.get('principal');
    return liveStream(
      c,
      async () => {
        const status = await ctx.api.status({ id });
        // Built only when an event is sent: the audit and the diffs are read then, not at every tick.
        let built: ReturnType<typeof runView> | undefined;
        const view = () => (built ??= runView(ctx, id, principal, status));
        const keys = runKeys(status);
        return {
          gates: { key: keys.gates, render: async () => gatesFragment(await view()) },
          summary: { key: keys.run, render: async () => runSummary(await view()) },
          details: { key: keys.run, render: async () => runDetails(await view()) },
        };
      },
      { intervalMs },
    );
  });
  app.route('/', pageRoutes(ctx));
  app.route('/', decisionRoutes(ctx));
  return app;
}
