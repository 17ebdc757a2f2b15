import type { Command } from 'commander';
import { escapeControlChars } from '../../shared/limits';
import { DECISION_ACTIONS, type DecisionAction } from '../../shared/messages';
import type { BatchApproveResult, BatchItem } from '../batch-approve';
import { BatonError, batonCommand } from '../errors';
import { defaultDecider, parsePairs } from './arguments';
import { note, print, withApi, collect } from './support';

const DESCRIPTIONS: Record<DecisionAction, string> = {
  approve: 'approve the open gate of a phase; the run continues',
  reject: 'reject at a gate; the run ends as rejected',
  retry: 'run the phase again as it is, then gate again',
  skip: 'mark the phase skipped; its dependents still run',
  modify: 'run the phase again with changed input, then gate again',
};

/** The options that only `approve --all` takes, as commander names them and as the user types them. */
const BATCH_OPTIONS = [
  ['template', '--template'],
  ['phase', '--phase'],
  ['olderThan', '--older-than'],
  ['where', '--where'],
  ['dryRun', '--dry-run'],
] as const;

/** `approve`, `reject`, `retry`, `skip` and `modify`: one command per gate action. */
export function addDecisionCommands(program: Command): void {
  for (const action of DECISION_ACTIONS) {
    const batch = action === 'approve';
    const command = program
      .command(action)
      .description(
        batch
          ? `${DESCRIPTIONS[action]}; with --all, every matching open approval gate across runs`
          : DESCRIPTIONS[action],
      )
      .argument(batch ? '[id]' : '<id>', 'workflow id')
      .argument(batch ? '[phase]' : '<phase>', 'phase whose gate is open');
    if (batch)
      command
        .option('--all', 'approve every matching open approval gate across runs (see docs/policy.md)')
        .option('--template <name>', 'with --all: only runs of this template')
        .option('--phase <id>', 'with --all: only gates of this phase')
        .option('--older-than <duration>', 'with --all: only gates open at least this long (1h, 30m)')
        .option(
          '--where <cel>',
          'with --all: only gates where this CEL expression over run, gate, output is true',
        )
        .option('--dry-run', 'with --all: list what would be approved; send nothing');
    command
      .option('--by <user>', 'who decides (default: BATON_USER, else your OS user name)')
      .option('--comment <text>', 'why')
      .option('--digest <sha256>', "the gate's digest you saw in status; refused if it changed since")
      .option('--update', 'send as the validated `decide` update instead of the `approval` signal')
      .option('--json', 'machine-readable output');
    if (action === 'modify')
      command.option('--set <k=v>', 'input change (repeatable; JSON values allowed)', collect, []);
    command.action(decideAction(action));
  }
}

function deciderOf(opts: Record<string, unknown>): { by: string; from: string } {
  const decider = opts.by === undefined ? defaultDecider() : { by: String(opts.by), from: '--by' };
  if (!decider)
    throw new BatonError('Say who decides with --by NAME (or set BATON_USER): no OS user name was found.');
  return decider;
}

/** `approve --all` or `approve <id> <phase>`: exactly one of them, said clearly when mixed. */
function checkApproveArguments(
  id: string | undefined,
  phase: string | undefined,
  opts: Record<string, unknown>,
) {
  const shown = (text: string) => JSON.stringify(escapeControlChars(text));
  if (opts.all) {
    if (id !== undefined)
      throw new BatonError(
        `approve --all approves matching gates across runs, so it takes no run id (got ${shown(id)}${phase === undefined ? '' : ` ${shown(phase)}`}); filter with --template, --phase, --older-than or --where, or drop --all to approve one gate`,
      );
    return;
  }
  const given = BATCH_OPTIONS.filter(([key]) => opts[key] !== undefined).map(([, flag]) => flag);
  if (given.length)
    throw new BatonError(
      `${given.join(', ')} only go${given.length === 1 ? 'es' : ''} with --all: add --all to approve every matching gate, or drop ${given.length === 1 ? 'it' : 'them'}`,
    );
  if (id === undefined)
    throw new BatonError(
      'approve needs a run id and a phase (approve <id> <phase>), or --all to approve every matching open gate across runs',
    );
  if (phase === undefined)
    throw new BatonError(
      `approve ${escapeControlChars(id)} needs the phase whose gate is open: approve <id> <phase> (see \`${batonCommand(`status ${escapeControlChars(id)}`)}\`)`,
    );
}

const decideAction =
  (action: DecisionAction) =>
  async (id: string | undefined, phase: string | undefined, opts: Record<string, unknown>) => {
    if (action === 'approve') {
      checkApproveArguments(id, phase, opts);
      if (opts.all) return approveAll(opts);
    }
    if (id === undefined || phase === undefined) throw new BatonError(`${action} needs a run id and a phase`);
    const decider = deciderOf(opts);
    const sets = (opts.set as string[] | undefined) ?? [];
    if (action === 'modify' && sets.length === 0)
      throw new BatonError(
        'modify needs at least one --set key=value (the input fields to change); to run the phase again as it is, use retry.',
      );
    const changes = action === 'modify' ? parsePairs(sets, '--set', true) : undefined;
    for (const line of changes?.notes ?? []) note(line);
    await withApi(async (api) => {
      const result = await api.decide({
        id,
        decision: {
          phase,
          action,
          by: decider.by,
          ...(opts.comment !== undefined ? { comment: String(opts.comment) } : {}),
          ...(changes ? { changes: changes.values } : {}),
          ...(opts.digest !== undefined ? { digest: String(opts.digest) } : {}),
        },
        via: opts.update ? 'update' : 'signal',
        labels: { by: decider.from, comment: '--comment', changes: '--set' },
      });
      print(
        Boolean(opts.json),
        result,
        () =>
          `${action} ${escapeControlChars(phase)} of ${escapeControlChars(id)}: ${result.accepted === true ? 'accepted' : 'signal sent'}`,
      );
    });
  };

async function approveAll(opts: Record<string, unknown>): Promise<void> {
  const decider = deciderOf(opts);
  const text = (key: string) => (opts[key] === undefined ? {} : { [key]: String(opts[key]) });
  await withApi(async (api) => {
    const result = await api.batchApprove({
      by: decider.by,
      ...text('comment'),
      ...text('template'),
      ...text('phase'),
      ...text('olderThan'),
      ...text('where'),
      dryRun: Boolean(opts.dryRun),
      labels: { by: decider.from, comment: '--comment', where: '--where', olderThan: '--older-than' },
    });
    print(Boolean(opts.json), result, () => renderBatch(result));
    // Some gate was refused: say so to scripts too; the lines say which and why.
    if (result.counts.refused > 0) process.exitCode = 1;
  });
}

const ITEM_LINES: Record<BatchItem['outcome'], (item: BatchItem, where: string) => string> = {
  approved: (item, where) =>
    `approved ${where}${item.approvals && item.approvals.count < item.approvals.needed ? ` (${item.approvals.count} of ${item.approvals.needed} approvals: the gate waits for more)` : ''}`,
  'would-approve': (_item, where) => `would approve ${where}`,
  refused: (item, where) => `refused ${where}: ${item.reason ?? 'no reason given'}`,
  skipped: (item, where) => `skipped ${where}: ${item.reason ?? 'no reason given'}`,
};

/** One line per gate, then the counts and what was left for a human. */
export function renderBatch(result: BatchApproveResult): string {
  const lines = result.items.map((item) =>
    ITEM_LINES[item.outcome](
      item,
      escapeControlChars(`${item.workflowId}${item.gate ? ` ${item.gate}` : ''}`),
    ),
  );
  const { approved, refused, skipped } = result.counts;
  const would = result.counts['would-approve'];
  const counts = result.dryRun
    ? `${would} gate${would === 1 ? '' : 's'} would be approved (dry run: nothing was sent)`
    : `${approved} approved, ${refused} refused`;
  const left = Object.entries(result.leftForHuman);
  const human = left.reduce((sum, [, n]) => sum + n, 0);
  lines.push(
    `${result.items.length === 0 ? 'no open approval gate matched; ' : ''}${counts}${skipped ? `, ${skipped} skipped` : ''}` +
      (human
        ? `; ${human} other gate${human === 1 ? '' : 's'} left for a human (${left.map(([kind, n]) => `${n} ${kind}`).join(', ')}): --all approves only approval gates`
        : ''),
  );
  return lines.join('\n');
}
