/**
 * The app `baton serve` and `npm start` serve, built from the config: the auth layer from
 * `server.users` and `roles`, the REST API, and the console and MCP sub-apps when they are given.
 */
import type { Hono } from 'hono';
import type { BatonApi } from '../client/api';
import type { BatonConfig } from '../config';
import { createApp } from './app';
import { createAuth, mintToken, type Auth } from './auth';
import type { GithubRouteOptions } from './github';
import type { AppEnv } from './principal';

export interface ServerAppOptions {
  api: BatonApi;
  config: BatonConfig;
  publicRead?: boolean;
  github?: GithubRouteOptions;
  /** Users beyond the config's (`npm start`'s session user): user → sha256 of the token. */
  extraUsers?: Record<string, { tokenSha256: string }>;
  console?: Hono<AppEnv>;
  mcp?: Hono<AppEnv>;
}

export interface ServerApp {
  app: Hono<AppEnv>;
  auth: Auth;
  users: string[];
  publicRead: boolean;
}

export function serverApp(options: ServerAppOptions): ServerApp {
  const users = { ...options.config.server?.users, ...options.extraUsers };
  const roles = options.config.roles ?? {};
  const auth = createAuth({ users, roles });
  const publicRead = options.publicRead ?? options.config.server?.publicRead ?? false;
  const app = createApp({
    api: options.api,
    auth,
    publicRead,
    ...(options.config.security ? { security: options.config.security } : {}),
    ...(options.github ? { github: options.github } : {}),
    ...(options.console ? { console: options.console } : {}),
    ...(options.mcp ? { mcp: options.mcp } : {}),
  });
  return { app, auth, users: Object.keys(users).sort(), publicRead };
}

/** A user for this session only (`npm start` with no users configured): its token and hash. */
export const sessionUser = (name = 'demo') => {
  const { token, tokenSha256 } = mintToken();
  return { name, token, users: { [name]: { tokenSha256 } } };
};
