/** How `status` and `inbox` show conditions and fallbacks (docs/conditions.md). */
import type { OpenGate } from '../../shared/gate-kinds';
import type { PhaseStatus } from '../../shared/status';
import { batonCommand } from '../errors';
import { brief, safe } from './text';

/** The OUTPUT column of a phase that did not run as planned: why it was skipped, what handled its failure. */
export function phaseNote(phase: PhaseStatus): string | undefined {
  if (phase.state === 'skipped' && phase.skipReason) return `skipped: ${brief(phase.skipReason, 90)}`;
  if (phase.state === 'failed-handled')
    return `error: ${brief(phase.error?.message ?? 'failed', 50)}; handled by ${safe(phase.handledBy ?? '?')}`;
  return undefined;
}

/** A failure gate's lines in `status`: the error, the input it ran with, and the commands. */
export function failureGateLines(gate: OpenGate, run: string): string[] | undefined {
  if (gate.kind !== 'failure') return undefined;
  const phase = safe(gate.phase);
  return [
    '',
    `Phase failed: ${safe(gate.title)} (${phase}): ${safe(gate.error.message)}${gate.error.type ? ` [${safe(gate.error.type)}]` : ''}`,
    `  Input: ${brief(gate.input, 200)}`,
    `  Decide: ${batonCommand(`retry|skip|reject ${run} ${phase}`)}   or   ${batonCommand(`modify ${run} ${phase} --set key=value`)}`,
  ];
}
