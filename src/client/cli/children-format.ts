/** `status` lines under a `pipeline` or `loop` phase's row: its child run, or its iterations. */
import type { PhaseStatus } from '../../shared/status';
import { safe } from './text';

/** Iterations shown under a loop's row; older ones are counted. */
const ITERATIONS_SHOWN = 10;

export function childLines(phase: PhaseStatus | undefined, indent: string): string[] {
  if (phase?.child) {
    return [
      `${indent}child: ${safe(phase.child.workflowId)}${phase.child.state ? ` (${phase.child.state})` : ''}`,
    ];
  }
  const loop = phase?.loop;
  if (!loop) return [];
  const shown = loop.iterations.slice(-ITERATIONS_SHOWN);
  const hidden = loop.dropped + loop.iterations.length - shown.length;
  return [
    ...(hidden > 0 ? [`${indent}… ${hidden} earlier iteration(s)`] : []),
    ...shown.map((it) => {
      const until = it.untilError
        ? `until: error: ${safe(it.untilError)}`
        : it.until === undefined
          ? ''
          : `until: ${it.until}`;
      return `${indent}iteration ${it.number}: ${safe(it.workflowId)} ${it.state}${until ? `  ${until}` : ''}`;
    }),
  ];
}
