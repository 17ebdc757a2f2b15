import { parseArgs } from 'node:util';
import { errorMessage } from './net';
import { ensureServer } from './server';
import { ensureTemporalCli, findOnPath } from './temporal-cli';

const USAGE =
  'Usage: tsx scripts/dev-server.ts install | start [--port N] [--ui-port N] [--db FILE] [--headless]';

/**
 * `scripts/dev-server.ts`: `install` builds the Temporal CLI into the cache (npm's pretest and
 * prestart run it); `start` runs a dev server until Ctrl-C.
 */
export async function devServerMain(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      db: { type: 'string' },
      headless: { type: 'boolean' },
    },
  });
  const log = (line: string) => console.log(line);
  if (positionals[0] === 'install') {
    const cli = await ensureTemporalCli(log);
    if (cli) return log(`Temporal CLI: ${cli}`);
    log(
      'Temporal CLI unavailable; the dev server will fall back to the Temporal SDK download (or set TEMPORAL_CLI / TEMPORAL_ADDRESS).',
    );
    // Without Go the SDK fallback still works; a Go that fails to build is worth a red exit.
    if (await findOnPath('go')) process.exitCode = 1;
    return;
  }
  if (positionals[0] === 'start') {
    const server = await ensureServer({
      port: values.port ? Number(values.port) : undefined,
      uiPort: values['ui-port'] ? Number(values['ui-port']) : undefined,
      dbFile: values.db,
      headless: values.headless,
      log,
    });
    log(
      `Temporal ${server.owned ? 'dev server started' : 'server already running'} at ${server.address} (namespace ${server.namespace})`,
    );
    if (server.uiUrl) log(`Web UI: ${server.uiUrl}`);
    if (!server.owned) return;
    if (server.dbFile) log(`Database: ${server.dbFile}`);
    log('Press Ctrl-C to stop.');
    const shutdown = () => void server.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    return;
  }
  throw new Error(USAGE);
}

/** Runs `devServerMain` as a script: errors print as one line and exit 1. */
export function runDevServerScript(): void {
  devServerMain(process.argv.slice(2)).catch((err: unknown) => {
    const hint = (err as { hint?: unknown }).hint;
    console.error(`${errorMessage(err)}${typeof hint === 'string' && hint ? `\n${hint}` : ''}`);
    process.exit(1);
  });
}
