import { Option, type Command } from 'commander';
import { escapeControlChars, formatBytes } from '../../shared/limits';
import { RUN_LIST_STATES, type RunListState, type StartResult } from '../api-schemas';
import { BatonError, batonCommand } from '../errors';
import { renderArtifacts, renderInbox, renderRuns, renderStatus, renderTemplates } from './format';
import { watchStatus } from './dashboard-command';
import { collect, definitionOptions, note, print, rejection, withApi } from './support';

const SKIP_AGENT_CHECK =
  "don't check agent names against this machine's baton.config (the worker still checks them)";

/** start and validate: a run from a template or a definition file. */
export function addStartCommands(program: Command): void {
  program
    .command('start')
    .description('start a run of a template (or of --file def.yaml)')
    .argument('[template]', 'template name, see `baton templates`')
    .option('-p, --param <k=v>', 'template param (repeatable)', collect, [])
    .option('-f, --file <path>', 'definition file (.json, .yaml)')
    .option('--id <id>', 'workflow id for the run')
    .option('--auto-approve', 'approve every gate automatically (recorded as such)')
    .option('--skip-agent-check', SKIP_AGENT_CHECK)
    .option(
      '--repo <path>',
      'work on this git repository: the result is its branch baton/<run id>; the working copy is never touched',
    )
    .option('--base <ref>', 'with --repo: the branch, tag or commit the run starts from (default HEAD)')
    .option('--out <dir>', 'when the run completes, export its final tree into this (empty or new) directory')
    .option('--force', 'with --out: write into a non-empty directory')
    .option('--wait', 'wait for the run to end and print its summary')
    .option('--json', 'machine-readable output')
    .action(async (template: string | undefined, opts) =>
      withApi(async (api) => {
        // The API checks everything it can before it contacts the server.
        const started = await api.start({
          ...definitionOptions(template, opts),
          id: opts.id,
          approvalMode: opts.autoApprove ? 'auto' : 'manual',
          repo: opts.repo,
          base: opts.base,
          out: opts.out,
          force: opts.force,
        });
        const id = escapeControlChars(started.workflowId);
        if (!opts.wait) {
          print(
            opts.json,
            started,
            () =>
              `Started ${id}\n  status:  ${batonCommand(`status ${id} --watch`)}\n  gates:   ${batonCommand('inbox')}` +
              startedTargets(started),
          );
          return;
        }
        const summary = await api.wait(
          { id: started.workflowId },
          {
            onStall: (message) =>
              note(
                `note: ${message}\n  (still waiting for the run to end; Ctrl-C stops waiting, the run stays)`,
              ),
          },
        );
        // The id comes first in the JSON, so a script that waited knows which run it was.
        print(opts.json, { workflowId: started.workflowId, ...summary }, () =>
          renderStatus(started.workflowId, summary),
        );
        // A script waiting on the run must be able to tell a rejection from a success.
        if (summary.state === 'rejected') throw new BatonError(rejection(started.workflowId, summary));
      }),
    );

  /** Where a `--repo` or `--out` run's work will be. */
  const startedTargets = ({ branch, out }: StartResult): string =>
    (branch
      ? `\n  branch:  ${escapeControlChars(branch.name)} in ${escapeControlChars(branch.repo)} (from ${branch.commit.slice(0, 10)}; your working copy is not touched)`
      : '') + (out ? `\n  export:  ${escapeControlChars(out)} (when the run completes)` : '');

  program
    .command('validate')
    .description('check a template or --file def.yaml, with its params and agents, without a server')
    .argument('[template]', 'template name, see `baton templates`')
    .option('-p, --param <k=v>', 'template param (repeatable)', collect, [])
    .option('-f, --file <path>', 'definition file (.json, .yaml)')
    .option('--skip-agent-check', SKIP_AGENT_CHECK)
    .option('--json', 'machine-readable output')
    .action(async (template: string | undefined, opts) =>
      withApi(async (api) => {
        const result = await api.validate(definitionOptions(template, opts));
        const { definition, params, bytes } = result;
        print(
          opts.json,
          { valid: result.valid, definition, params },
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
      }),
    );
}

/** status, inbox, runs, cancel, artifacts, artifact, templates. */
export function addRunCommands(program: Command): void {
  program
    .command('status')
    .description("show a run's phases, gates, progress and decisions")
    .argument('<id>', 'workflow id')
    .option('-w, --watch', 'refresh until the run ends, with a progress bar and the ETA')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) =>
      withApi(async (api) => {
        if (opts.watch) return watchStatus(api, id, opts.json);
        const status = await api.status({ id });
        print(opts.json, status, () => renderStatus(id, status));
      }),
    );

  program
    .command('inbox')
    .description('open gates across all runs')
    .option('--json', 'machine-readable output')
    .action(async (opts) =>
      withApi(async (api) => {
        const items = await api.inbox();
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
      await withApi(async (api) => {
        const runs = await api.runs({
          state: opts.state as RunListState | undefined,
          template: opts.template,
          limit,
        });
        print(opts.json, runs, () => renderRuns(runs));
      });
    });

  program
    .command('cancel')
    .description('cancel a run (Temporal cancellation); exits 1 if it has already ended')
    .argument('<id>', 'workflow id')
    .action(async (id: string) =>
      withApi(async (api) => {
        await api.cancel({ id });
        console.log(`Cancellation requested for ${escapeControlChars(id)}`);
      }),
    );

  program
    .command('artifacts')
    .description("list a run's artifacts (files its phases produced), by phase")
    .argument('<id>', 'workflow id')
    .option('--phase <phase>', 'only this phase')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) =>
      withApi(async (api) => {
        const items = await api.artifacts({ id, phase: opts.phase });
        print(opts.json, items, () => renderArtifacts(items));
      }),
    );

  program
    .command('artifact')
    .description('print one artifact from the store (BATON_ARTIFACTS_DIR, default ~/.baton/artifacts)')
    .argument('<uri>', 'baton-artifact://sha256/…, as `baton artifacts` lists')
    .action(async (uri: string) =>
      withApi(async (api) => {
        process.stdout.write((await api.artifact({ uri })).bytes);
      }),
    );

  program
    .command('templates')
    .description('list the templates and their params')
    .option('--json', 'machine-readable output')
    .action(async (opts) =>
      withApi(async (api) => {
        const templates = await api.templates();
        print(opts.json, templates, () => renderTemplates(templates));
      }),
    );
}
