/**
 * The `decompose` agent: a feature description in, the atomic tasks of a parallel phase out, each
 * with the agent its specialist maps to (config) and the files it will touch, plus the conflicts
 * those files predict. It also writes the scaffold the tasks meet in, when the project has none.
 */
import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_SPECIALISTS, type Specialist } from '../../../config';
import { AGENT_FAILURES } from '../../../shared/failure-types';
import { checkTasks, predictConflicts, type Task, TaskSchema } from '../../../shared/parallel';
import { agentFailure, badInput } from '../../failures';
import { type AgentContext, defineAgent } from '../agent';
import { LAYERS, type Layer, type Project } from '../specialist/layout';
import { ensureScaffold, projectFor } from '../specialist/scaffold';
import { listFiles } from '../toolbox/files';
import { hasLlm } from '../toolbox/llm';
import { calledFor, layerOf, resourceOf } from './feature';
import { planWithLlm } from './llm';
import { type PlannedTask, planOffline } from './offline';
import { renderPlan } from './report';

const PLAN_PATH = 'reports/plan.md';
const MAX_FILES = 2000;

const DecomposeOutputSchema = z.object({
  tasks: z.array(TaskSchema),
  predictedConflicts: z.array(
    z.object({ tasks: z.tuple([z.string(), z.string()]), paths: z.array(z.string()) }),
  ),
  /** `llm` when the model's plan was used; `offline` otherwise (see notes for a fallback). */
  source: z.enum(['llm', 'offline']),
  dir: z.string(),
  resource: z.string(),
  layers: z.array(z.enum(LAYERS)),
  /** Scaffold files this run wrote (package.json, router, server), when the project lacked them. */
  scaffolded: z.array(z.string()),
  notes: z.array(z.string()),
  planPath: z.string(),
});

const exists = (file: string) =>
  readFile(file, 'utf8').then(
    (text) => text,
    () => undefined,
  );

/** The project dir: the one given, else `app` or the workspace root if it has a package.json, else `app`. */
async function projectDir(workspace: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (await exists(path.join(workspace, 'app', 'package.json'))) return 'app';
  if (await exists(path.join(workspace, 'package.json'))) return '.';
  return 'app';
}

/** The specialists this run may use, in config order; an unknown name is the input's fault. */
function candidates(specialists: Record<string, Specialist>, only: readonly string[] | undefined) {
  const all = Object.entries(specialists);
  if (!only) return all;
  const unknown = only.filter((name) => !specialists[name]);
  if (unknown.length) {
    throw badInput(
      `specialists ${unknown.map((n) => `"${n}"`).join(', ')} are not configured; configured: ${Object.keys(specialists).join(', ')}`,
    );
  }
  return all.filter(([name]) => only.includes(name));
}

function isBadOutput(error: unknown): error is ApplicationFailure {
  return error instanceof ApplicationFailure && error.type === AGENT_FAILURES.BadOutput.type;
}

/** A planned task as the parallel phase runs it: the specialist's agent, and the task's brief as input. */
function toTask(
  planned: PlannedTask,
  specialists: Record<string, Specialist>,
  run: { feature: string; project: Project; layers: Layer[] },
): Task {
  const specialist = specialists[planned.specialist] as Specialist;
  return TaskSchema.parse({
    ...planned,
    agent: specialist.agent,
    input: {
      feature: run.feature,
      resource: run.project.resource,
      dir: run.project.dir,
      layers: run.layers,
      prompt: `${planned.title}: ${planned.description}\nFiles: ${planned.paths.join(', ') || '(not known)'}\nFeature: ${run.feature}`,
    },
  });
}

async function plan(
  feature: string,
  project: Project,
  chosen: Array<[string, Specialist]>,
  context: AgentContext,
  notes: string[],
): Promise<{ planned: PlannedTask[]; source: 'llm' | 'offline' }> {
  if (hasLlm(context, 'decompose')) {
    const root = path.join(context.workspace, project.dir);
    const files = (await listFiles(context.workspace, context.workspace)).slice(0, MAX_FILES);
    try {
      const planned = await planWithLlm(
        {
          feature,
          dir: project.dir,
          files,
          packageJson: await exists(path.join(root, 'package.json')),
          specialists: chosen,
        },
        context,
      );
      return { planned, source: 'llm' };
    } catch (error) {
      if (!isBadOutput(error)) throw error;
      notes.push(`The LLM's plan did not fit twice (${error.message}); this is the offline plan instead.`);
      context.log('decompose: falling back to the offline plan', { reason: error.message.slice(0, 500) });
    }
  }
  const called = calledFor(feature, chosen);
  let picked = chosen.filter(([name]) => called.includes(name));
  if (picked.length === 0) {
    const fallback = chosen.find(([name, s]) => layerOf(name, s) === 'backend') ?? chosen[0];
    if (!fallback) throw badInput('no specialist to give the feature to; configure at least one');
    notes.push(`The feature names no specialist's skills; it goes to "${fallback[0]}".`);
    picked = [fallback];
  }
  return { planned: planOffline(project, picked), source: 'offline' };
}

/** The decompose agent for these specialists (the config's merged over the built-ins). */
export function createDecomposeAgent(specialists: Record<string, Specialist> = { ...DEFAULT_SPECIALISTS }) {
  return defineAgent({
    name: 'decompose',
    description:
      'Splits a feature into parallel tasks (backend, frontend, tests, docs) with the files each touches, ' +
      'the agent each runs (from the specialists config) and the predicted conflicts; an LLM plans when configured.',
    input: AGENT_INPUTS.decompose,
    output: DecomposeOutputSchema,
    llm: 'optional',
    async run(input, context) {
      const feature = input.feature.trim();
      if (!feature) {
        throw badInput(
          'feature is empty; describe it, e.g. "Add a books API with a web page listing books, and tests"',
        );
      }
      const chosen = candidates(specialists, input.specialists);
      const dir = await projectDir(context.workspace, input.dir);
      const project = await projectFor(context.workspace, dir, input.resource ?? resourceOf(feature));
      const notes: string[] = [];
      const { planned, source } = await plan(feature, project, chosen, context, notes);
      context.heartbeat({ step: 'planned', tasks: planned.length, source });

      const layers = LAYERS.filter((layer) =>
        planned.some((t) => layerOf(t.specialist, specialists[t.specialist] as Specialist) === layer),
      );
      const tasks = planned.map((t) => toTask(t, specialists, { feature, project, layers }));
      const checked = checkTasks(tasks, 'tasks');
      if (!checked.ok) {
        // The offline plan always passes; an LLM plan was checked by its schema already.
        throw agentFailure(
          'BadOutput',
          `decompose made an invalid plan: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        );
      }
      const predictedConflicts = predictConflicts(checked.tasks);
      const writesCode = layers.some((layer) => layer !== 'docs');
      const scaffolded = writesCode ? await ensureScaffold(context.workspace, project) : [];
      if (scaffolded.length) notes.push(`Wrote the scaffold the tasks share: ${scaffolded.join(', ')}.`);

      const report = path.join(context.workspace, PLAN_PATH);
      await mkdir(path.dirname(report), { recursive: true });
      await writeFile(
        report,
        renderPlan({ feature, source, tasks: checked.tasks, predictedConflicts, notes }),
      );
      return {
        tasks: checked.tasks,
        predictedConflicts,
        source,
        dir: project.dir,
        resource: project.resource,
        layers,
        scaffolded,
        notes,
        planPath: PLAN_PATH,
      };
    },
  });
}

/** The decompose agent with the built-in specialists; a worker with a config builds its own. */
export const decomposeAgent = createDecomposeAgent();
