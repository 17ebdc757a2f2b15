import type { Command } from 'commander';
import YAML from 'yaml';
import type { DispatchDecision } from '../../dispatch/decision';
import type { SuccessRates } from '../../dispatch/templates';
import { formatDuration } from '../../shared/duration';
import { escapeControlChars } from '../../shared/limits';
import { createApi } from '../api';
import { connect, type Baton } from '../connect';
import { dispatchRates, dryRunDispatch, startDispatch } from '../dispatch';
import { BatonError, batonCommand } from '../errors';
import { parsePairs } from './arguments';
import { renderStatus } from './format';
import { collect, note, print, rejection } from './support';
import { table } from './text';

const pct = (rate: number | undefined) => (rate === undefined ? '—' : `${Math.round(rate * 100)}%`);

/** The success rate of each template dispatches chose (learning from history). */
export function renderRates(rates: SuccessRates): string {
  const rows = Object.entries(rates)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([template, r]) => [escapeControlChars(template), String(r.runs), String(r.completed), pct(r.rate)]);
  if (rows.length === 0) return 'no dispatch has ended yet: no success rates';
  return table(['TEMPLATE', 'DISPATCHES', 'COMPLETED', 'SUCCESS'], rows);
}

/** The decision as a person reads it; a composed or combined definition is shown in full. */
export function renderDecision(decision: DispatchDecision): string {
  const e = decision.estimate;
  const lines = [
    `type:      ${decision.workflowType} (${decision.complexity})`,
    `strategy:  ${decision.strategy}${decision.template ? ` · template ${escapeControlChars(decision.template)}` : ''}`,
    `agents:    ${decision.agents.map((a) => `${a.name} ${pct(a.confidence)}`).join(', ') || 'none'}`,
    `estimate:  ${formatDuration(e.duration)} of agent work, ${e.tokens} tokens, $${e.costUsd.toFixed(4)} (from ${e.basis})`,
    `params:    ${
      Object.entries(decision.params)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ') || 'none'
    }`,
    `reasoning: ${escapeControlChars(decision.reasoning)}`,
  ];
  if (decision.strategy !== 'template' && decision.definition) {
    lines.push(
      '',
      `definition (validated):`,
      YAML.stringify(decision.definition, { aliasDuplicateObjects: false }).trimEnd().replace(/^/gm, '  '),
    );
  }
  return lines.join('\n');
}

/** A connection for the dry run's history; none when no server answers (the analysis goes on). */
async function tryConnect(): Promise<Baton | undefined> {
  return connect().catch(() => undefined);
}

async function dryRun(options: Parameters<typeof dryRunDispatch>[0], opts: Record<string, unknown>) {
  const baton = await tryConnect();
  try {
    const { decision, notes } = await dryRunDispatch(options, baton);
    const rates = opts.explain && baton ? await dispatchRates(baton) : undefined;
    print(Boolean(opts.json), { decision, notes, ...(rates ? { successRates: rates } : {}) }, () =>
      [
        renderDecision(decision),
        ...(rates ? ['', 'success rate per chosen template:', renderRates(rates)] : []),
      ].join('\n'),
    );
    if (!opts.json) for (const line of notes) note(`note: ${line}`);
  } finally {
    await baton?.close();
  }
}

/** `baton dispatch "<request>"`: natural-language dispatch (docs/dispatch.md). */
export function addDispatchCommand(program: Command): void {
  program
    .command('dispatch')
    .description(
      'analyse a request in plain words, choose or compose a pipeline, and run it after a plan gate',
    )
    .argument('<request>', 'what to do, in plain words (quote it)')
    .option(
      '-c, --context <k=v>',
      'a fact about the request; a key naming a param of the chosen template sets it (repeatable)',
      collect,
      [],
    )
    .option('--repo <path>', 'work on this git repository (as `baton start --repo`)')
    .option('--dry-run', 'print the decision (and a composed definition) and start nothing')
    .option('--auto-approve', 'approve every gate automatically, the plan gate included')
    .option('--wait', 'wait for the run to end and print its summary')
    .option('--explain', 'also show the success rate per chosen template that breaks ties')
    .option('--id <id>', 'workflow id for the dispatch')
    .option('--json', 'machine-readable output')
    .action(async (request: string, opts) => {
      const context = parsePairs(opts.context as string[], '--context', false).values as Record<
        string,
        string
      >;
      const options = {
        request,
        context,
        repo: opts.repo,
        autoApprove: Boolean(opts.autoApprove),
        id: opts.id,
      };
      if (opts.dryRun) {
        if (opts.wait || opts.autoApprove)
          throw new BatonError(
            '--dry-run starts nothing, so --wait and --auto-approve do not apply; drop one of them.',
          );
        return dryRun(options, opts);
      }
      const baton = await connect();
      try {
        if (opts.explain && !opts.json)
          console.log(`success rate per chosen template:\n${renderRates(await dispatchRates(baton))}\n`);
        const { workflowId } = await startDispatch(baton, options);
        const id = escapeControlChars(workflowId);
        if (!opts.wait) {
          print(
            opts.json,
            { workflowId },
            () =>
              `Started dispatch ${id}\n  plan:    ${batonCommand(`status ${id}`)} (the plan gate shows the decision; plan.md in the workspace)` +
              (opts.autoApprove ? '' : `\n  approve: ${batonCommand(`approve ${id} plan`)}`),
          );
          return;
        }
        {
          const api = createApi({ baton });
          const summary = await api.wait(
            { id: workflowId },
            {
              onStall: (message) =>
                note(
                  `note: ${message}\n  (still waiting for the run to end; Ctrl-C stops waiting, the run stays)`,
                ),
            },
          );
          print(opts.json, { workflowId, ...summary }, () => renderStatus(workflowId, summary));
          if (summary.state === 'rejected') throw new BatonError(rejection(workflowId, summary));
        }
      } finally {
        await baton.close();
      }
    });
}
