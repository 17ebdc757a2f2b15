import type { Phase } from '../shared/definition';
import { BudgetChangeSchema } from '../shared/gate-kinds';
import type { Decision } from '../shared/messages';
import { awaitDecision } from './gate';
import type { RunStateObject } from './run-state';

/**
 * The budget loop, before every run of a phase of any kind: a phase that could go over budget
 * waits at a budget gate. True when the phase may run (its spending is reserved); false when it
 * was skipped, the run was rejected (`reject` is called), or the run stopped.
 */
export async function withinBudget(
  run: RunStateObject,
  phase: Phase,
  reject: (decision: Decision) => void,
): Promise<boolean> {
  const status = run.phase(phase.id);
  for (;;) {
    const problem = run.ledger.problem(phase, status.usage);
    // Reserve in the same step as the check: a sibling phase checks right after, in this task.
    if (!problem) {
      run.ledger.reserve(phase, status.usage);
      return true;
    }
    const decision = await awaitDecision(run, phase, 'budget', { onTimeout: 'reject' }, { reason: problem });
    if (!decision) {
      status.state = 'cancelled';
      return false;
    }
    switch (decision.action) {
      case 'approve':
        run.ledger.reserve(phase, status.usage);
        return true;
      case 'modify': {
        // Checked when the decision was taken; safeParse all the same, as nothing here may throw.
        const changes = BudgetChangeSchema.safeParse(decision.changes ?? {});
        if (changes.success && changes.data.budget) run.ledger.raise(changes.data.budget);
        if (changes.success && changes.data.phaseBudget) run.ledger.raise(changes.data.phaseBudget, phase.id);
        continue;
      }
      case 'retry':
        continue;
      case 'skip':
        status.state = 'skipped';
        run.publish();
        return false;
      case 'reject':
        reject(decision);
        return false;
    }
  }
}
