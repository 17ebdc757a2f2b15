import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatDuration } from '../../shared/duration';
import { type PlanInput, PlanInputSchema, PLAN_AGENT } from '../../dispatch/plan';
import { defineAgent } from './agent';

const PLAN_PATH = 'plan.md';

/** plan.md: what a person reads at the `plan` gate before anything of the dispatch runs. */
function renderPlan(plan: PlanInput): string {
  const e = plan.estimate;
  return [
    '# Dispatch plan',
    '',
    ...plan.request.split('\n').map((line) => `> ${line}`.trimEnd()),
    '',
    `- Workflow type: ${plan.workflowType} (${plan.complexity})`,
    `- Strategy: ${plan.strategy}${plan.template ? ` · template ${plan.template}` : ''}`,
    `- Estimate (${e.basis}): ${formatDuration(e.duration)} of agent work, ${e.tokens} tokens, $${e.costUsd.toFixed(4)}`,
    `- Agents: ${plan.agents.map((a) => `${a.name} (${Math.round(a.confidence * 100)}%)`).join(', ') || 'none'}`,
    '',
    '## Reasoning',
    '',
    plan.reasoning,
    '',
    '## Phases',
    '',
    '| Phase | Agent | Needs | Gate |',
    '| --- | --- | --- | --- |',
    ...plan.phases.map(
      (p) => `| ${p.id} | ${p.agent} | ${p.needs.join(', ') || '-'} | ${p.gate ? 'yes' : ''} |`,
    ),
    '',
    '## Params',
    '',
    ...Object.entries(plan.params).map(([k, v]) => `- ${k}: ${JSON.stringify(v)}`),
    '',
  ].join('\n');
}

/** The `plan` phase of a dispatch: writes plan.md and outputs the decision it shows. */
export const dispatchPlanAgent = defineAgent({
  name: PLAN_AGENT,
  description:
    'Writes the dispatch decision (type, strategy, template, estimate, phases) into plan.md for the plan gate.',
  input: PlanInputSchema,
  output: PlanInputSchema.extend({ planPath: z.string() }),
  async run(input, context) {
    await writeFile(path.join(context.workspace, PLAN_PATH), renderPlan(input));
    return { ...input, planPath: PLAN_PATH };
  },
});
