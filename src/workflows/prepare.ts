import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PipelineInputSchema, type Definition, type PipelineInput } from '../shared/definition';
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
  const { definition: rawDefinition, params, approvalMode, template } = input.data;
  const rawName = (rawDefinition as { name?: unknown } | undefined)?.name;
  const name = typeof rawName === 'string' ? rawName : '(unnamed)';
  const checked = validateDefinition(rawDefinition, params);
  if (!checked.ok) throw invalid(name, checked.problems);

  return { definition: checked.definition, params: checked.params, approvalMode, template };
}

/**
 * The worker's agent registry is the truth about which agents exist and what input they take; ask
 * it before running. Returns the agents' input schemas (none from workers that predate them).
 */
export async function checkAgentsKnown(definition: Definition): Promise<AgentInputSchemas> {
  const names = [...new Set(definition.phases.map((p) => p.agent))];
  const agents = await checkAgents({ names });
  if (agents.unknown.length > 0) {
    const problems = definition.phases
      .filter((p) => agents.unknown.includes(p.agent))
      .map((p) => ({
        path: `phases[${p.id}].agent`,
        message: `unknown agent "${p.agent}"; known agents: ${agents.known.join(', ')}`,
      }));
    throw invalid(definition.name, problems);
  }
  const schemas = readAgentSchemas(agents.schemas);
  const problems = definition.phases.flatMap((p) => {
    const schema = schemas[p.agent];
    return (schema ? inputProblems(p.agent, p.input, schema) : []).map(([key, message]) => ({
      path: `phases[${p.id}].input.${key}`,
      message,
    }));
  });
  if (problems.length > 0) throw invalid(definition.name, problems);
  return schemas;
}
