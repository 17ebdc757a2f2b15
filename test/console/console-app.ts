/**
 * The console served for the tests by the full `createApp` (auth layer, CSRF, login) on a free
 * loopback port, with two users from a config: alice (role lead, an approver) and bob (no role).
 */
import type { BatonApi } from '../../src/client/api';
import { freePort, HOST } from '../../src/dev/net';
import { createApp } from '../../src/server/app';
import { createAuth, hashToken } from '../../src/server/auth';
import { consoleRoutes } from '../../src/server/console';
import { listen, type RunningServer } from '../../src/server/serve';
import { consoleSchemas, ROLES } from './console-helpers';

export const TOKENS = { alice: 'baton_alice-console-test-token', bob: 'baton_bob-console-test-token' } as const;

export async function serveConsole(api: BatonApi): Promise<RunningServer> {
  const auth = createAuth({
    users: { alice: { tokenSha256: hashToken(TOKENS.alice) }, bob: { tokenSha256: hashToken(TOKENS.bob) } },
    roles: ROLES,
  });
  const console = consoleRoutes({ api, roles: ROLES, agentSchemas: consoleSchemas, temporalUiUrl: 'http://127.0.0.1:8233', pollMs: 400 });
  return listen({ app: createApp({ auth, console }), host: HOST, port: await freePort() });
}
