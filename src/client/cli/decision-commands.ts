import type { Command } from 'commander';
import { escapeControlChars } from '../../shared/limits';
import { DECISION_ACTIONS, type DecisionAction } from '../../shared/messages';
import { BatonError } from '../errors';
import { defaultDecider, parsePairs } from './arguments';
import { note, print, withApi, collect } from './support';

const DESCRIPTIONS: Record<DecisionAction, string> = {
  approve: 'approve the open gate of a phase; the run continues',
  reject: 'reject at a gate; the run ends as rejected',
  retry: 'run the phase again as it is, then gate again',
  skip: 'mark the phase skipped; its dependents still run',
  modify: 'run the phase again with changed input, then gate again',
};

/** `approve`, `reject`, `retry`, `skip` and `modify`: one command per gate action. */
export function addDecisionCommands(program: Command): void {
  for (const action of DECISION_ACTIONS) {
    const command = program
      .command(action)
      .description(DESCRIPTIONS[action])
      .argument('<id>', 'workflow id')
      .argument('<phase>', 'phase whose gate is open')
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

const decideAction =
  (action: DecisionAction) => async (id: string, phase: string, opts: Record<string, unknown>) => {
    const decider = opts.by === undefined ? defaultDecider() : { by: String(opts.by), from: '--by' };
    if (!decider)
      throw new BatonError('Say who decides with --by NAME (or set BATON_USER): no OS user name was found.');
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
