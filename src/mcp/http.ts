/**
 * `/mcp` on `baton serve`: the MCP server over Streamable HTTP, stateless (a server per request,
 * built for the request's principal). createApp mounts it behind its token auth, which sets
 * `c.get('principal')`; without one the answer is 401, whatever `--public-read` says, since a
 * session's tools decide gates as its user.
 */
import { createMcpHandler, type McpRequestContext } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { AUTH_HINT, httpError } from '../server/auth';
import type { AppEnv, Principal } from '../server/principal';
import { createMcpServer, type McpOptions } from './server';

export type McpRouteOptions = Omit<McpOptions, 'principal'>;

const sessionPrincipal = (ctx: McpRequestContext): Principal => {
  const principal = ctx.authInfo?.extra?.principal as Principal | undefined;
  // The route passes one on every request; a missing one is a bug here, not a caller's error.
  if (!principal) throw new Error('MCP request without a principal');
  return principal;
};

export function mcpRoutes(options: McpRouteOptions): Hono<AppEnv> {
  const handler = createMcpHandler((ctx) => createMcpServer({ ...options, principal: sessionPrincipal(ctx) }), {
    onerror: (error) => console.error(`baton serve: /mcp: ${error.message}`),
  });
  const app = new Hono<AppEnv>();
  app.all('/', async (c) => {
    const principal = c.get('principal');
    if (!principal)
      throw httpError(
        401,
        {
          error: "MCP over HTTP needs a token: its tools decide gates as the token's user",
          hint: `${AUTH_HINT} On this machine, \`baton mcp\` serves MCP over stdio as you.`,
        },
        { 'www-authenticate': 'Bearer' },
      );
    return handler.fetch(c.req.raw, {
      authInfo: { token: '', clientId: principal.user, scopes: principal.roles, extra: { principal } },
    });
  });
  return app;
}
