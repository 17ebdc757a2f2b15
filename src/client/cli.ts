import { Command, Option } from 'commander';
import { escapeControlChars, formatBytes } from '../shared/limits';
import type { RunStatus } from '../shared/status';
import { createArtifactStore } from '../store/artifacts';
import { addDecisionCommands } from './cli-decisions';
import { collect, definitionOptions, note, print, rejection, watchStatus, withBaton } from './cli-support';
import { BatonError, batonCommand } from './errors';
import { reportError } from './explain';
import { renderArtifacts, renderInbox, renderRuns, renderStatus, renderTemplates } from './format';
import { checkRunIdArg } from './inputs';
import { RUN_LIST_STATES, type RunListState } from './run-list';
import {
  cancelRun,
  getStatus,
  inbox,
  listArtifacts,
  listRuns,
  prepareRun,
  startPrepared,
  waitForResult,
} from './runs';
import { listTemplates } from './templates';

const SKIP_AGENT_CHECK =
  "don't check agent names against this machine's baton.config (the worker still checks them)";

export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Durable AI-agent development pipelines on Temporal')
    .option('--debug', 'print the stack trace of an error')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('start')
    .description('start a run of a template (or of --file def.yaml)')
    .argument('[template]', 'template name, see `baton templates`')
    .option('-p, --param <k=v>', 'template param (repeatable)', collect, [])
    .option('-f, --file <path>', 'definition file (.json, .yaml)')
    .option('--id <id>', 'workflow id for the run')
    .option('--auto-approve', 'approve every gate automatically (recorded as such)')
    .option('--skip-agent-check', SKIP_AGENT_CHECK)
    .option('--wait', 'wait for the run to end and print its summary')
    .option('--json', 'machine-readable output')
    .action(async (template: string | undefined, opts) => {
      // Everything that can be checked here is, before the server is contacted.
      const prepared = await prepareRun({
        ...definitionOptions(template, opts),
        id: opts.id,
        approvalMode: opts.autoApprove ? 'auto' : 'manual',
      });
      await withBaton(async (baton) => {
        const started = await startPrepared(baton, prepared);
        const id = escapeControlChars(started.workflowId);
        if (!opts.wait) {
          print(
            opts.json,
            started,
            () =>
              `Started ${id}\n  status:  ${batonCommand(`status ${id} --watch`)}\n  gates:   ${batonCommand('inbox')}`,
          );
          return;
        }
        const summary = await waitForResult(baton, started.workflowId, {
          onStall: (message) =>
            note(
              `note: ${message}\n  (still waiting for the run to end; Ctrl-C stops waiting, the run stays)`,
            ),
        });
        print(opts.json, summary, () => renderStatus(started.workflowId, summary));
        // A script waiting on the run must be able to tell a rejection from a success.
        if (summary.state === 'rejected') throw new BatonError(rejection(started.workflowId, summary));
      });
    });

  program
    .command('validate')
    .description('check a template or --file def.yaml, with its params and agents, without a server')
    .argument('[template]', 'template name, see `baton templates`')
    .option('-p, --param <k=v>', 'template param (repeatable)', collect, [])
    .option('-f, --file <path>', 'definition file (.json, .yaml)')
    .option('--skip-agent-check', SKIP_AGENT_CHECK)
    .option('--json', 'machine-readable output')
    .action(async (template: string | undefined, opts) => {
      const { definition, params, bytes } = await prepareRun(definitionOptions(template, opts));
      print(
        opts.json,
        { valid: true, definition, params },
        () =>
          `valid: ${escapeControlChars(definition.name)} (${definition.phases.length} phases: ${definition.phases.map((p) => p.id).join(' → ')}; ${formatBytes(bytes)} to send)` +
          (Object.keys(params).length
            ? `\n  params: ${escapeControlChars(
                Object.entries(params)
                  .map(([k, v]) => `${k}=${String(v)}`)
                  .join(', '),
              )}`
            : ''),
      );
    });

  program
    .command('status')
    .description("show a run's phases, gates, progress and decisions")
    .argument('<id>', 'workflow id')
    .option('-w, --watch', 'refresh until the run ends')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) => {
      checkRunIdArg(id);
      await withBaton(async (baton) => {
        if (opts.watch) return watchStatus(baton, id, opts.json);
        const status: RunStatus = await getStatus(baton, id);
        print(opts.json, status, () => renderStatus(id, status));
      });
    });

  program
    .command('inbox')
    .description('open gates across all runs')
    .option('--json', 'machine-readable output')
    .action(async (opts) =>
      withBaton(async (baton) => {
        const items = await inbox(baton);
        print(opts.json, items, () => renderInbox(items));
      }),
    );

  program
    .command('runs')
    .description('recent runs, open ones first (from Temporal visibility; no worker needed)')
    .addOption(new Option('--state <state>', 'only runs in this state').choices(RUN_LIST_STATES))
    .option('--template <name>', 'only runs of this template (or definition name)')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new BatonError(
          `--limit ${escapeControlChars(String(opts.limit))} is not a positive whole number; for example --limit 20`,
        );
      await withBaton(async (baton) => {
        const runs = await listRuns(baton, {
          state: opts.state as RunListState | undefined,
          template: opts.template,
          limit,
        });
        print(opts.json, runs, () => renderRuns(runs));
      });
    });

  addDecisionCommands(program);

  program
    .command('cancel')
    .description('cancel a run (Temporal cancellation); exits 1 if it has already ended')
    .argument('<id>', 'workflow id')
    .action(async (id: string) => {
      checkRunIdArg(id);
      await withBaton(async (baton) => {
        await cancelRun(baton, id);
        console.log(`Cancellation requested for ${escapeControlChars(id)}`);
      });
    });

  program
    .command('artifacts')
    .description("list a run's artifacts (files its phases produced), by phase")
    .argument('<id>', 'workflow id')
    .option('--phase <phase>', 'only this phase')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) => {
      checkRunIdArg(id);
      await withBaton(async (baton) => {
        const items = await listArtifacts(baton, id, opts.phase);
        print(opts.json, items, () => renderArtifacts(items));
      });
    });

  program
    .command('artifact')
    .description('print one artifact from the store (BATON_ARTIFACTS_DIR, default ~/.baton/artifacts)')
    .argument('<uri>', 'baton-artifact://sha256/…, as `baton artifacts` lists')
    .action(async (uri: string) => {
      try {
        process.stdout.write(await createArtifactStore().get(uri));
      } catch (error) {
        throw new BatonError((error as Error).message, { cause: error });
      }
    });

  program
    .command('templates')
    .description('list the templates and their params')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const templates = await listTemplates();
      print(opts.json, templates, () => renderTemplates(templates));
    });

  program
    .command('worker')
    .description('run a worker on the task queue until Ctrl-C')
    .action(async () => {
      const { runWorkerCommand } = await import('./dev');
      await runWorkerCommand();
    });

  program
    .command('dev')
    .description('start the dev server (unless TEMPORAL_ADDRESS is set) and a worker')
    .addOption(new Option('--demo', 'also start a demo run of node-express-api'))
    .option('--port <port>', 'dev server gRPC port', '7233')
    .option('--ui-port <port>', 'dev server Web UI port (default: --port + 1000)')
    .action(async (opts) => {
      const { runDev } = await import('./dev');
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
      const { runTemporal } = await import('./dev');
      process.exitCode = await runTemporal(args);
    });

  return program;
}

/**
 * A reader that stops early (`baton status … | head`) closes the pipe; the next write fails with
 * EPIPE. That is the reader's choice, not an error: exit quietly.
 */
function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/**
 * Runs the CLI. Every failure is printed as `error: <message>` (with what to do), never as a stack
 * trace, unless --debug (or BATON_DEBUG=1) asks for the stack.
 */
export async function main(argv = process.argv): Promise<void> {
  const debug = argv.includes('--debug') || Boolean(process.env.BATON_DEBUG);
  exitQuietlyOnClosedStdout();
  const fail = (error: unknown) => {
    reportError(error, debug);
    process.exitCode = 1;
  };
  // A stray rejection from a library must not end the process with a raw stack either.
  process.on('unhandledRejection', fail);
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    fail(error);
  }
}
