/**
 * The web console and the /mcp endpoint as `baton serve` mounts them, built from the config: both
 * decide as the authenticated user through decideAs, with the config's roles and signing settings.
 */
import type { Hono } from 'hono';
import type { BatonApi } from '../client/api';
import { connect, type Baton } from '../client/connect';
import { startDispatch } from '../client/dispatch';
import type { BatonConfig } from '../config';
import { mcpRoutes } from '../mcp/http';
import { consoleRoutes } from './console';
import type { AppEnv } from './principal';

/** Where the console links a run in the Temporal Web UI; the dev server's UI unless told. */
export const TEMPORAL_UI_ENV = 'BATON_TEMPORAL_UI';

export function frontDoors(
  api: BatonApi,
  config: BatonConfig,
  publicRead: boolean,
): { console: Hono<AppEnv>; mcp: Hono<AppEnv> } {
  const decide = { roles: config.roles ?? {}, ...(config.security ? { security: config.security } : {}) };
  let connection: Promise<Baton> | undefined;
  return {
    console: consoleRoutes({
      api,
      ...decide,
      publicRead,
      temporalUiUrl: process.env[TEMPORAL_UI_ENV] || 'http://localhost:8233',
    }),
    mcp: mcpRoutes({
      api,
      decide,
      dispatch: async (options) => startDispatch(await (connection ??= connect()), options),
    }),
  };
}
