import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { agentsOf, PipelineInputSchema, type Definition, type PipelineInput } from '../shared/definition';
import { type AgentInputSchemas, inputProblems, readAgentSchemas } from '../shared/input-schema';
import { validateDefinition } from '../shared/validate';
import { internal, invalid } from './failures';

const { checkAgents } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s' });

/** Checks the input and the definition; a bad one fails the run at once, never a task retry loop. */
export function prepare(raw: PipelineInput) {
  try {
    return checkInput(raw);
  } catch (error) {
    throw internal(error, 'Invalid pipeline input');
  }
}

function checkInput(raw: PipelineInput) {
  const input = PipelineInputSchema.safeParse(raw);
  if (!input.success) {
    const problems = input.error.issues.map((i) => ({
      path: i.path.join('.') || '(input)',
      message: i.message,
    }));
    throw invalid('(input)', problems);
  }
  const { definition: rawDefinition, params, approvalMode, template, repo, out } = input.data;
  const rawName = (rawDefinition as { name?: unknown } | undefined)?.name;
  const name = typeof rawName === 'string' ? rawName : '(unnamed)';
  const checked = validateDefinition(rawDefinition, params);
  if (!checked.ok) throw invalid(name, checked.problems);

  return { definition: checked.definition, params: checked.params, approvalMode, template, repo, out };
}

/**
 * The worker's agent registry is the truth about which agents exist and what input they take; ask
 * it before running. Returns the agents' input schemas (none from workers that predate them).
 */
export async function checkAgentsKnown(definition: Definition): Promise<AgentInputSchemas> {
  const agents = await checkAgents({ names: agentsOf(definition) });
  if (agents.unknown.length > 0) {
    const problems = agents.unknown.map((name) => ({
      path: `phases[${usersOf(definition, name).join(',')}].agent`,
      message: `unknown agent "${name}"; known agents: ${agents.known.join(', ')}`,
    }));
    throw invalid(definition.name, problems);
  }
  const schemas = readAgentSchemas(agents.schemas);
  const problems = definition.phases.flatMap((p) => {
    const schema = p.agent === undefined ? undefined : schemas[p.agent];
    return (schema ? inputProblems(p.agent as string, p.input, schema) : []).map(([key, message]) => ({
      path: `phases[${p.id}].input.${key}`,
      message,
    }));
  });
  if (problems.length > 0) throw invalid(definition.name, problems);
  return schemas;
}

/** The phases that name an agent, themselves or in a literal task, verify or resolver. */
function usersOf(definition: Definition, agent: string): string[] {
  return definition.phases
    .filter((p) => agentsOf({ ...definition, phases: [p] }).includes(agent))
    .map((p) => p.id);
}
