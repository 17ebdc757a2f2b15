/**
 * Who a request to `baton serve` (the REST API, the console, /mcp) or a `baton mcp` session acts
 * as. The auth middleware (src/server/auth) sets it from a Bearer token or the console's login
 * cookie; decisions are always sent as `principal.user`, never as a `by` the caller chose.
 */
export interface Principal {
  /** The user name from the server's config (`server.users`), or the local user for stdio MCP. */
  user: string;
  /** The approver roles (`roles` in baton.config) this user is in. */
  roles: string[];
  /** How the request authenticated: a Bearer token, the login cookie, or a local stdio session. */
  via: 'token' | 'cookie' | 'local';
}

/** The Hono environment every route of `baton serve` shares: `c.get('principal')`. */
export interface AppEnv {
  Variables: { principal: Principal | undefined };
}
