import type { Command } from 'commander';
import { escapeControlChars } from '../shared/limits';
import { DECISION_ACTIONS, type Decision, type DecisionAction } from '../shared/messages';
import { collect, note, print, withBaton } from './cli-support';
import { BatonError } from './errors';
import { checkDecision, checkRunIdArg, defaultDecider, parsePairs } from './inputs';
import { decide } from './runs';

/** `approve`, `reject`, `retry`, `skip` and `modify`: one command per gate action. */
export function addDecisionCommands(program: Command): void {
  const decisionCommand = (action: DecisionAction, description: string) =>
    program
      .command(action)
      .description(description)
      .argument('<id>', 'workflow id')
      .argument('<phase>', 'phase whose gate is open')
      .option('--by <user>', 'who decides (default: BATON_USER, else your OS user name)')
      .option('--comment <text>', 'why')
      .option('--update', 'send as the validated `decide` update instead of the `approval` signal')
      .option('--json', 'machine-readable output');

  const decideAction =
    (action: DecisionAction) => async (id: string, phase: string, opts: Record<string, unknown>) => {
      checkRunIdArg(id);
      const decider = opts.by === undefined ? defaultDecider() : { by: String(opts.by), from: '--by' };
      if (!decider)
        throw new BatonError(
          'Say who decides with --by NAME (or set BATON_USER): no OS user name was found.',
        );
      const sets = (opts.set as string[] | undefined) ?? [];
      if (action === 'modify' && sets.length === 0)
        throw new BatonError(
          'modify needs at least one --set key=value (the input fields to change); to run the phase again as it is, use retry.',
        );
      const changes = action === 'modify' ? parsePairs(sets, '--set', true) : undefined;
      const decision: Decision = {
        phase,
        action,
        by: decider.by,
        ...(opts.comment !== undefined ? { comment: String(opts.comment) } : {}),
        ...(changes ? { changes: changes.values } : {}),
      };
      const labels = { by: decider.from, comment: '--comment', changes: '--set' };
      // Checked before connecting; decide() checks again for callers of the API.
      checkDecision(decision, labels);
      for (const line of changes?.notes ?? []) note(line);
      await withBaton(async (baton) => {
        const result = await decide(baton, id, decision, {
          via: opts.update ? 'update' : 'signal',
          labels,
        });
        print(
          Boolean(opts.json),
          result,
          () =>
            `${action} ${escapeControlChars(phase)} of ${escapeControlChars(id)}: ${result.accepted === true ? 'accepted' : 'signal sent'}`,
        );
      });
    };

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
      command.option('--set <k=v>', 'input change (repeatable; JSON values allowed)', collect, []);
    command.action(decideAction(action));
  }
}
