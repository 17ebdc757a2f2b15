import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { builtinAgents } from '../../src/activities/agents';
import { bindInput } from '../../src/shared/binding';
import { formatProblems, validateDefinition } from '../../src/shared/validate';
import { agentContext } from './agent-context';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const agents = new Map(builtinAgents().map((agent) => [agent.name, agent]));

// Outputs are plain JSON, so tests read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const tempWorkspace = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));

/** Runs one built-in agent the way the runAgent activity does: parse input, run, parse output. */
export async function runAgent(name: string, input: unknown, workspace: string): Promise<Json> {
  const agent = agents.get(name);
  if (!agent) throw new Error(`no agent ${name}`);
  const output = await agent.run(agent.input.parse(input), agentContext(workspace, { phase: name }));
  return agent.output.parse(output);
}

/**
 * Runs a template's phases in order in `workspace`, with `params` checked by its param rules and
 * each input bound against them and earlier outputs: what a run does, without Temporal.
 */
export async function runTemplate(
  name: string,
  params: Record<string, unknown>,
  workspace: string,
): Promise<Record<string, Json>> {
  const raw: unknown = parse(await readFile(path.join(ROOT, 'templates', `${name}.yaml`), 'utf8'));
  const checked = validateDefinition(raw, params, { agents: [...agents.keys()] });
  if (!checked.ok) throw new Error(`${name}:\n${formatProblems(checked.problems)}`);
  const phases: Record<string, { output?: unknown; state?: string }> = {};
  for (const phase of checked.definition.phases) {
    const input = bindInput(phase.input, { params: checked.params, phases });
    phases[phase.id] = { output: await runAgent(phase.agent as string, input, workspace), state: 'done' };
  }
  return Object.fromEntries(Object.entries(phases).map(([id, phase]) => [id, phase.output]));
}
