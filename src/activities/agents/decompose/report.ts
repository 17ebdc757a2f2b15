/** The plan as a person reads it at the plan gate: `reports/plan.md`. */
import type { PredictedConflict, Task } from '../../../shared/parallel';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

export function renderPlan(plan: {
  feature: string;
  source: 'llm' | 'offline';
  tasks: readonly Task[];
  predictedConflicts: readonly PredictedConflict[];
  notes: readonly string[];
}): string {
  const lines = [
    '# Plan',
    '',
    `> ${cell(plan.feature)}`,
    '',
    `Planned ${plan.source === 'llm' ? 'by the LLM' : 'offline (by layer)'}: ${plan.tasks.length} task(s).`,
    '',
    '| Task | Specialist | Agent | Estimate | Needs | Files |',
    '| --- | --- | --- | --- | --- | --- |',
    ...plan.tasks.map(
      (t) =>
        `| ${t.id}: ${cell(t.title ?? '')} | ${t.specialist ?? ''} | ${t.agent} | ${t.estimate ?? ''} | ` +
        `${t.needs.join(', ') || '-'} | ${t.paths.map((p) => `\`${p}\``).join(', ') || '-'} |`,
    ),
    '',
    '## Predicted conflicts',
    '',
  ];
  if (plan.predictedConflicts.length === 0) lines.push('None: no two parallel tasks name the same file.', '');
  else {
    lines.push(
      'Tasks that run side by side and touch the same files; the merge queue settles these by its rules.',
      '',
      ...plan.predictedConflicts.map(
        (c) => `- ${c.tasks[0]} × ${c.tasks[1]}: ${c.paths.map((p) => `\`${p}\``).join(', ')}`,
      ),
      '',
    );
  }
  if (plan.notes.length) lines.push('## Notes', '', ...plan.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
