import { Command, Option } from 'commander';
import { DECISION_ACTIONS, type Decision, type DecisionAction } from '../shared/messages';
import type { RunSummary } from '../shared/status';
import { BatonError } from './errors';
import { renderArtifacts, renderInbox, renderStatus, renderTemplates } from './format';
import { createArtifactStore } from '../store/artifacts';
import {
  cancelRun,
  connect,
  decide,
  getStatus,
  inbox,
  isFinalState,
  listArtifacts,
  startRun,
  waitForResult,
  type Baton,
} from './runs';
import { listTemplates } from './templates';

const collect = (value: string, previous: string[]) => [...previous, value];

/** `k=v` pairs; values that read as JSON (numbers, booleans, objects) keep their type. */
export function parsePairs(pairs: string[], flag: string, typed: boolean): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new BatonError(`${flag} "${pair}" is not key=value; for example ${flag} service=billing`);
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    if (typed) {
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
    }
    // Dotted keys build nested objects: --set options.retries=2.
    const path = key.split('.');
    let target = result;
    for (const part of path.slice(0, -1)) {
      target[part] = typeof target[part] === 'object' && target[part] !== null ? target[part] : {};
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
  }
  return result;
}

const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  console.log(json ? JSON.stringify(value, null, 2) : text());

async function withBaton<T>(fn: (baton: Baton) => Promise<T>): Promise<T> {
  const baton = await connect();
  try {
    return await fn(baton);
  } finally {
    await baton.close();
  }
}

async function watchStatus(baton: Baton, id: string, json?: boolean): Promise<void> {
  for (;;) {
    const status = await getStatus(baton, id);
    if (json) console.log(JSON.stringify(status));
    else {
      process.stdout.write('\x1b[2J\x1b[H');
      console.log(renderStatus(id, status));
    }
    if (isFinalState(status.state)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function rejection(id: string, summary: RunSummary): string {
  const decision = summary.decisions.findLast((d) => d.action === 'reject');
  const why =
    summary.reason ?? (decision ? `Rejected at "${decision.phase}" by ${decision.by}` : 'Rejected at a gate');
  return `Run "${id}" ended rejected (${why}). Address that, then start a new run.`;
}

export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Durable AI-agent development pipelines on Temporal')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('start')
    .description('start a run of a template (or of --file def.yaml)')
    .argument('[template]', 'template name, see `baton templates`')
    .option('-p, --param <k=v>', 'template param (repeatable)', collect, [])
    .option('-f, --file <path>', 'definition file (.json, .yaml)')
    .option('--id <id>', 'workflow id for the run')
    .option('--auto-approve', 'approve every gate automatically (recorded as such)')
    .option(
      '--skip-agent-check',
      "don't check agent names against this machine's baton.config (the worker still checks them)",
    )
    .option('--wait', 'wait for the run to end and print its summary')
    .option('--json', 'machine-readable output')
    .action(async (template: string | undefined, opts) => {
      if (!template && !opts.file)
        throw new BatonError('Name a template (see `baton templates`) or pass --file def.yaml.');
      await withBaton(async (baton) => {
        const started = await startRun(baton, {
          template: opts.file ? undefined : template,
          file: opts.file,
          params: parsePairs(opts.param, '--param', false),
          id: opts.id,
          approvalMode: opts.autoApprove ? 'auto' : 'manual',
          skipAgentCheck: Boolean(opts.skipAgentCheck),
        });
        if (!opts.wait) {
          print(
            opts.json,
            started,
            () =>
              `Started ${started.workflowId}\n  status:  baton status ${started.workflowId} --watch\n  gates:   baton inbox`,
          );
          return;
        }
        const summary = await waitForResult(baton, started.workflowId);
        print(opts.json, summary, () => renderStatus(started.workflowId, summary));
        // A script waiting on the run must be able to tell a rejection from a success.
        if (summary.state === 'rejected') throw new BatonError(rejection(started.workflowId, summary));
      });
    });

  program
    .command('status')
    .description("show a run's phases, gates, progress and decisions")
    .argument('<id>', 'workflow id')
    .option('-w, --watch', 'refresh until the run ends')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) =>
      withBaton(async (baton) => {
        if (opts.watch) return watchStatus(baton, id, opts.json);
        const status = await getStatus(baton, id);
        print(opts.json, status, () => renderStatus(id, status));
      }),
    );

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

  const decisionCommand = (action: DecisionAction, description: string) =>
    program
      .command(action)
      .description(description)
      .argument('<id>', 'workflow id')
      .argument('<phase>', 'phase whose gate is open')
      .option('--by <user>', 'who decides', process.env.BATON_USER ?? process.env.USER ?? 'cli')
      .option('--comment <text>', 'why')
      .option('--update', 'send as the validated `decide` update instead of the `approval` signal')
      .option('--json', 'machine-readable output');

  const decideAction =
    (action: DecisionAction) => async (id: string, phase: string, opts: Record<string, unknown>) =>
      withBaton(async (baton) => {
        const decision: Decision = {
          phase,
          action,
          by: String(opts.by),
          ...(opts.comment ? { comment: String(opts.comment) } : {}),
          ...(action === 'modify' ? { changes: parsePairs(opts.set as string[], '--set', true) } : {}),
        };
        const result = await decide(baton, id, decision, { via: opts.update ? 'update' : 'signal' });
        print(
          Boolean(opts.json),
          result,
          () => `${action} ${phase} of ${id}: ${result.accepted === true ? 'accepted' : 'signal sent'}`,
        );
      });

  const descriptions: Record<DecisionAction, string> = {
    approve: 'approve the open gate of a phase; the run continues',
    reject: 'reject at a gate; the run ends as rejected',
    retry: 'run the phase again as it is, then gate again',
    skip: 'mark the phase skipped; its dependents still run',
    modify: 'run the phase again with changed input, then gate again',
  };
  for (const action of DECISION_ACTIONS) {
    const command = decisionCommand(action, descriptions[action]);
    if (action === 'modify')
      command.requiredOption('--set <k=v>', 'input change (repeatable; JSON values allowed)', collect, []);
    command.action(decideAction(action));
  }

  program
    .command('cancel')
    .description('cancel a run (Temporal cancellation)')
    .argument('<id>', 'workflow id')
    .action(async (id: string) =>
      withBaton(async (baton) => {
        await cancelRun(baton, id);
        console.log(`Cancellation requested for ${id}`);
      }),
    );

  program
    .command('artifacts')
    .description("list a run's artifacts (files its phases produced), by phase")
    .argument('<id>', 'workflow id')
    .option('--phase <phase>', 'only this phase')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) =>
      withBaton(async (baton) => {
        const items = await listArtifacts(baton, id, opts.phase);
        print(opts.json, items, () => renderArtifacts(items));
      }),
    );

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
    .description('list the templates')
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

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // These messages already say what to do; a stack trace would only hide that.
    if (error instanceof BatonError || (error as Error | undefined)?.name === 'ConfigError')
      console.error(`error: ${(error as Error).message}`);
    else console.error(error);
    process.exitCode = 1;
  }
}
