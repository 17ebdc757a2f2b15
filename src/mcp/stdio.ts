/**
 * `baton mcp`: the MCP server over stdio for an agent on this machine. The session acts as the
 * local user (BATON_USER, else the OS user, as `baton approve` decides), in the roles the config
 * gives that user. stdout carries MCP only: anything else is logged to stderr.
 */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createApi } from '../client/api';
import { defaultDecider } from '../client/cli/arguments';
import { connect, type Baton } from '../client/connect';
import { startDispatch } from '../client/dispatch';
import { BatonError } from '../client/errors';
import type { BatonConfig } from '../config';
import { principalOf } from '../server/auth';
import type { Principal } from '../server/principal';
import { createMcpServer } from './server';

/** The local user, in the roles the config gives them. */
export function localPrincipal(config: Pick<BatonConfig, 'roles'>): Principal {
  const decider = defaultDecider();
  if (!decider)
    throw new BatonError('No user to act as: set BATON_USER to your name (no OS user name was found).');
  return principalOf(decider.by, config.roles ?? {}, 'local');
}

/** Keeps stdout for the protocol: a library's console.log goes to stderr. */
function logToStderr(): void {
  for (const level of ['log', 'info', 'debug'] as const) console[level] = console.error;
}

/** Serves MCP on stdin/stdout until the client closes stdin. */
export async function serveMcpStdio(config: BatonConfig): Promise<void> {
  logToStderr();
  const principal = localPrincipal(config);
  const api = createApi();
  let dispatchConnection: Promise<Baton> | undefined;
  const handle = serveStdio(
    () =>
      createMcpServer({
        api,
        principal,
        decide: { roles: config.roles ?? {}, ...(config.security ? { security: config.security } : {}) },
        dispatch: async (options) => startDispatch(await (dispatchConnection ??= connect()), options),
      }),
    { onerror: (error) => console.error(`baton mcp: ${error.message}`) },
  );
  console.error(
    `baton mcp: serving MCP on stdio as ${principal.user}${principal.roles.length ? ` (${principal.roles.join(', ')})` : ''}`,
  );
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await handle.close();
  await api.close();
  await (await dispatchConnection?.catch(() => undefined))?.close();
}
