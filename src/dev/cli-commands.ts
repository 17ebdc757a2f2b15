import { Option, type Command } from 'commander';

/**
 * `baton worker`, `baton dev` and `baton temporal`. Their code (the worker, the dev server) loads
 * only when one of them runs, so the other commands start fast.
 */
export function addDevCommands(program: Command): void {
  program
    .command('worker')
    .description('run a worker on the task queue until Ctrl-C')
    .option(
      '--concurrency <n>',
      'the most agent phases this worker runs at once (default 100); run more workers on the same task queue to spread runs',
    )
    .action(async (opts: { concurrency?: string }) => {
      const { runWorkerCommand } = await import('./commands');
      await runWorkerCommand({ concurrency: opts.concurrency });
    });

  program
    .command('dev')
    .description('start the dev server (unless TEMPORAL_ADDRESS is set) and a worker')
    .addOption(new Option('--demo', 'also start a demo run of node-express-api'))
    .option('--port <port>', 'dev server gRPC port', '7233')
    .option('--ui-port <port>', 'dev server Web UI port (default: --port + 1000)')
    .action(async (opts) => {
      const { runDev } = await import('./commands');
      await runDev({ demo: Boolean(opts.demo), port: opts.port, uiPort: opts.uiPort });
    });

  program
    .command('temporal')
    .description('run the Temporal CLI that `baton dev` uses, e.g. `baton temporal workflow list`')
    .argument('[args...]', 'passed to the Temporal CLI as they are')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      const { runTemporal } = await import('./temporal-command');
      process.exitCode = await runTemporal(args);
    });
}
