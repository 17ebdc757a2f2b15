import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { githubSettings } from '../../config/github';
import { createApp } from '../../server/app';
import { listen, stopSignal } from '../../server/serve';
import { addTokenCommand } from '../../server/auth/token-command';
import { createApi } from '../api';
import { BatonError } from '../errors';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** `baton serve --github`: the GitHub webhook receiver (the web console joins this server later). */
export function addServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('serve HTTP: --github is the GitHub webhook receiver at POST /github/webhook')
    .option('--github', 'receive GitHub webhooks and start runs for the configured triggers')
    .option(
      '--host <host>',
      'address to listen on (loopback by default; put a TLS proxy in front to expose it)',
      '127.0.0.1',
    )
    .option('--port <port>', 'port to listen on', '8787')
    .action(async (opts) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new BatonError(
          `--port ${JSON.stringify(opts.port)} is not a port; use a whole number 0-65535, such as --port 8787`,
        );
      if (!opts.github)
        throw new BatonError('Say what to serve: baton serve --github (the GitHub webhook receiver).');
      const config = await loadConfig();
      const { secretEnv, triggers } = githubSettings(config.github);
      const secret = process.env[secretEnv]?.trim();
      if (!secret)
        throw new BatonError(
          `${secretEnv} is not set: the receiver verifies every delivery with the webhook's secret. Set it to the secret you gave GitHub (or name another variable with github.secretEnv in baton.config).`,
        );
      const api = createApi();
      const server = await listen({
        app: createApp({ github: { api, secret, triggers } }),
        host: opts.host,
        port,
      });
      console.log(
        `baton serve: GitHub webhooks at ${server.url}/github/webhook (${triggers.map((t) => `${t.event} → ${t.template}`).join(', ')})`,
      );
      if (!LOOPBACK.has(opts.host)) console.log('note: listening beyond loopback; put a TLS proxy in front');
      const signal = await stopSignal();
      console.log(`baton serve: ${signal}, stopping`);
      await server.close();
      await api.close();
    });
  addTokenCommand(serve);
}
