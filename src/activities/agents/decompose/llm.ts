/**
 * The LLM half of `decompose`: the model proposes the tasks, zod checks them (shape, known
 * specialists, unique ids, needs inside the list, no cycle). The LLM layer re-asks once with the
 * problems; an answer that still does not fit falls back to the offline plan (agent.ts).
 */
import { z } from 'zod';
import type { Specialist } from '../../../config';
import { PHASE_ID } from '../../../shared/definition';
import { checkTasks } from '../../../shared/parallel';
import type { AgentContext } from '../agent';
import { askLlm } from '../toolbox/llm';
import type { PlannedTask } from './offline';

const MAX_FILES_SHOWN = 300;

const LlmTaskSchema = z.object({
  id: z
    .string()
    .regex(PHASE_ID, 'a task id starts with a letter and holds letters, digits, "-", "_"')
    .max(64),
  title: z.string().min(1).max(200),
  description: z.string().min(1).max(4000),
  specialist: z.string(),
  estimate: z.string().max(50),
  needs: z.array(z.string()).max(20),
  inputs: z.array(z.string().max(500)).max(20),
  outputs: z.array(z.string().max(500)).max(20),
  paths: z.array(z.string().min(1).max(500)).max(50),
  locks: z.array(z.string().max(100)).max(10),
});

/** The answer's schema: the semantic checks are refinements, so the re-ask names what was wrong. */
function planSchema(specialists: ReadonlyArray<[string, Specialist]>) {
  const names = specialists.map(([name]) => name);
  return z.object({ tasks: z.array(LlmTaskSchema).min(1).max(20) }).superRefine((plan, ctx) => {
    plan.tasks.forEach((task, i) => {
      if (!names.includes(task.specialist)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i, 'specialist'],
          message: `unknown specialist "${task.specialist}"; use one of ${names.join(', ')}`,
        });
      }
    });
    const checked = checkTasks(
      plan.tasks.map((t) => ({ ...t, agent: 'planned' })),
      'tasks',
    );
    if (!checked.ok) {
      for (const problem of checked.problems) {
        ctx.addIssue({ code: 'custom', path: [], message: `${problem.path}: ${problem.message}` });
      }
    }
  });
}

export interface LlmPlanRequest {
  feature: string;
  dir: string;
  files: readonly string[];
  packageJson: string | undefined;
  specialists: ReadonlyArray<[string, Specialist]>;
}

export async function planWithLlm(request: LlmPlanRequest, context: AgentContext): Promise<PlannedTask[]> {
  const roster = request.specialists.map(
    ([name, s]) =>
      `- ${name}: ${s.description ?? '(no description)'} Skills: ${(s.skills ?? []).join(', ') || '-'}`,
  );
  const shown = request.files.slice(0, MAX_FILES_SHOWN);
  const answer = await askLlm(context, {
    agent: 'decompose',
    schema: planSchema(request.specialists),
    system:
      'You are a tech lead splitting a feature into atomic tasks that specialists do in parallel, each ' +
      'in its own git worktree; their branches are merged afterwards. Prefer tasks without needs, ' +
      'linked by contracts (inputs/outputs such as an endpoint) so they run side by side. Give each ' +
      'task the files it will create or edit in paths (workspace-relative), including shared files ' +
      'such as package.json or a router, so overlaps can be predicted. Use locks only for a resource ' +
      'two tasks must never change at once (e.g. db-schema).',
    prompt: [
      `Feature: ${request.feature}`,
      `Project directory: ${request.dir}`,
      `Specialists (only those the feature needs; several tasks may share one):\n${roster.join('\n')}`,
      `Repository files (${request.files.length}${request.files.length > shown.length ? `, first ${shown.length}` : ''}):\n${shown.join('\n') || '(none)'}`,
      request.packageJson
        ? `${request.dir}/package.json:\n${request.packageJson.slice(0, 4000)}`
        : 'No package.json.',
    ].join('\n\n'),
  });
  return answer.tasks;
}
