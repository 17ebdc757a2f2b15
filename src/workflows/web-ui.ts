import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { GATE_KINDS, type OpenGate } from '../shared/gate-kinds';
import { BatonPendingGates, BatonProgress, BatonTemplate } from '../shared/search-attributes';
import type { RunState } from '../shared/status';

/** What the Web UI and search attributes show of a run. */
export interface RunView {
  name: string;
  state: RunState;
  gates: OpenGate[];
  progress: { done: number; total: number; percent: number };
  reason?: string;
}

/** The decision the Web UI suggests: a failure gate has nothing to approve. */
const actionOf = (gate: OpenGate): string => (gate.kind === 'failure' ? 'retry' : 'approve');

/**
 * Keeps search attributes and the Web UI's current details in step with the run. Upserts only on a
 * change: each one is a command in history, and their order is part of what replays.
 */
export function createWebUi() {
  let published = { gates: '', progress: -1, details: '' };

  const describe = (view: RunView): string => {
    const { done, total, percent } = view.progress;
    const lines = [`**${view.name}**: ${view.state}, ${done}/${total} phases (${percent}%)`];
    const id = workflowInfo().workflowId;
    for (const gate of view.gates) {
      lines.push(
        '',
        GATE_KINDS[gate.kind].headline({ ...gate, reason: 'reason' in gate ? gate.reason : undefined }),
        gate.instructions ?? '',
        `Send signal \`approval\` with \`{"phase":"${gate.phase}","gate":"${gate.id}","action":"${actionOf(gate)}","by":"<you>"}\`, or run \`baton ${actionOf(gate)} ${id} ${gate.phase}\`.`,
      );
    }
    if (view.reason) lines.push('', view.reason);
    return lines.filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
  };

  return {
    /** Tags the run with its template, unless the client already did when it started it. */
    tagTemplate(template: string): void {
      if (workflowInfo().typedSearchAttributes.get(BatonTemplate) === undefined) {
        upsertSearchAttributes([{ key: BatonTemplate, value: template }]);
      }
    },
    publish(view: RunView): void {
      // Pending gates are listed by phase id: the search attribute's values predate gate ids.
      const open = view.gates.map((g) => g.phase);
      const pct = view.progress.percent;
      const gatesKey = open.join(',');
      if (gatesKey !== published.gates || pct !== published.progress) {
        upsertSearchAttributes([
          { key: BatonPendingGates, value: open.length ? open : null },
          { key: BatonProgress, value: pct },
        ]);
      }
      const details = describe(view);
      if (details !== published.details) setCurrentDetails(details);
      published = { gates: gatesKey, progress: pct, details };
    },
  };
}
