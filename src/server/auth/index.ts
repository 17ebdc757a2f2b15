/** The auth layer of `baton serve` (docs/server.md): what the REST API, the console and /mcp use. */
export {
  AUTH_HINT,
  createAuth,
  guard,
  httpError,
  identify,
  principalOf,
  requirePrincipal,
  sameOrigin,
  type Auth,
  type AuthOptions,
} from './auth';
export { authRoutes } from './routes';
export { SESSION_COOKIE } from './sessions';
export { hashToken, mintToken, TOKEN_PREFIX } from './tokens';
