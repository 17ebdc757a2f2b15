import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { DevServerError } from './server';
import { ensureTemporalCli } from './temporal-cli';

/**
 * `baton temporal …`: the Temporal CLI that `baton dev` uses (found, or built once), with the
 * arguments, stdio and exit code passed through. TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the
 * TEMPORAL_TLS_* variables reach it through the environment, which it reads too.
 */
export async function runTemporal(args: string[]): Promise<number> {
  const cli = await ensureTemporalCli((line) => console.error(`[baton] ${line}`));
  if (!cli)
    throw new DevServerError(
      'No Temporal CLI here, and it could not be built.',
      'Install Go (https://go.dev/dl/) and run this again, or install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_CLI=/path/to/temporal.',
    );
  const child = spawn(cli, args, { stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the CLI itself; a signal sent to this process only is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  signals.forEach((s) => process.on(s, forward));
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) =>
        reject(
          new DevServerError(
            `Could not run the Temporal CLI at ${cli}: ${error.message}`,
            'Check that file, or set TEMPORAL_CLI to another.',
            {
              cause: error,
            },
          ),
        ),
      );
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 1)));
    });
  } finally {
    signals.forEach((s) => process.off(s, forward));
  }
}
