/**
 * `npm start`'s front doors: `baton serve` (the console, the REST API, /mcp) on loopback next to
 * the dev server. With no `server.users` configured, a `demo` user with a token for this session
 * only is made, so the console can be used at once; the token is printed, never stored.
 */
import { createApi } from '../client/api';
import { loadConfig } from '../config';
import { frontDoors } from '../server/front-doors';
import { listen, type RunningServer } from '../server/serve';
import { serverApp, sessionUser } from '../server/server-app';
import type { TemporalSettings } from '../shared/temporal-settings';

export async function startConsole(
  settings: TemporalSettings,
  say: (line: string) => void,
): Promise<{ close(): Promise<void> }> {
  const config = await loadConfig();
  const api = createApi({ settings });
  const session = config.server?.users && Object.keys(config.server.users).length > 0 ? undefined : sessionUser();
  const publicRead = config.server?.publicRead ?? false;
  const { app } = serverApp({
    api,
    config,
    publicRead,
    ...frontDoors(api, config, publicRead),
    ...(session ? { extraUsers: session.users } : {}),
  });
  let server: RunningServer;
  try {
    server = await listen({ app, host: '127.0.0.1', port: 8787 });
  } catch {
    server = await listen({ app, host: '127.0.0.1', port: 0 });
  }
  say(`Console: ${server.url}/ (REST API at ${server.url}/api, MCP at ${server.url}/mcp)`);
  if (session) say(`  log in with the token ${session.token} (user "${session.name}", for this session only)`);
  return {
    close: async () => {
      await server.close();
      await api.close();
    },
  };
}
