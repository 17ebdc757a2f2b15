import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { githubSettings } from '../../config/github';
import { addTokenCommand } from '../../server/auth/token-command';
import type { GithubRouteOptions } from '../../server/github';
import { listen, stopSignal } from '../../server/serve';
import { frontDoors } from '../../server/front-doors';
import { serverApp } from '../../server/server-app';
import { createApi, type BatonApi } from '../api';
import { BatonError } from '../errors';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BatonError(`--port ${JSON.stringify(value)} is not a port; use a whole number 0-65535, such as --port 8787`);
  return port;
}

/** The GitHub receiver's options, or an error naming the unset secret variable. */
function githubOptions(api: BatonApi, config: Awaited<ReturnType<typeof loadConfig>>): GithubRouteOptions {
  const { secretEnv, triggers } = githubSettings(config.github);
  const secret = process.env[secretEnv]?.trim();
  if (!secret)
    throw new BatonError(
      `${secretEnv} is not set: the receiver verifies every delivery with the webhook's secret. Set it to the secret you gave GitHub (or name another variable with github.secretEnv in baton.config).`,
    );
  return { api, secret, triggers };
}

/** `baton serve`: the REST API (and the console and /mcp), plus the GitHub receiver with --github. */
export function addServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('serve HTTP: the REST API under /api (docs/server.md); --github adds the GitHub webhook receiver')
    .option('--github', 'also receive GitHub webhooks at POST /github/webhook and start runs for the configured triggers')
    .option('--public-read', 'let anyone read runs, the inbox and artifacts without a token (writes still need one)')
    .option('--host <host>', 'address to listen on (loopback by default; put a TLS proxy in front to expose it)', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8787')
    .action(async (opts) => {
      const port = parsePort(opts.port);
      const config = await loadConfig();
      const api = createApi();
      const github = opts.github ? githubOptions(api, config) : undefined;
      const publicRead = Boolean(opts.publicRead ?? config.server?.publicRead);
      const doors = frontDoors(api, config, publicRead);
      const built = serverApp({ api, config, publicRead, ...doors, ...(github ? { github } : {}) });
      const server = await listen({ app: built.app, host: opts.host, port });
      console.log(`baton serve: the console at ${server.url}/ (REST API at ${server.url}/api, OpenAPI at ${server.url}/api/openapi.json, MCP at ${server.url}/mcp)`);
      if (built.users.length === 0)
        console.log('note: no users in server.users of baton.config: mint a token with `baton serve token <user>`');
      else console.log(`users: ${built.users.join(', ')}${built.publicRead ? ' (reads are public)' : ''}`);
      if (github)
        console.log(`GitHub webhooks at ${server.url}/github/webhook (${github.triggers.map((t) => `${t.event} → ${t.template}`).join(', ')})`);
      if (!LOOPBACK.has(opts.host)) console.log('note: listening beyond loopback; put a TLS proxy in front');
      const signal = await stopSignal();
      console.log(`baton serve: ${signal}, stopping`);
      await server.close();
      await api.close();
    });
  addTokenCommand(serve);
}
