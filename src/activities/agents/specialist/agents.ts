/**
 * The offline specialists: one agent per layer, each doing its part of a decomposed feature in its
 * own worktree, deterministically. They overlap on purpose (package.json, the router) so that the
 * merge queue has real work; see layout.ts for what each one touches.
 */
import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { z } from 'zod';
import { type AgentContext, defineAgent } from '../agent';
import {
  LAYER_AGENTS,
  LAYER_DEPENDENCIES,
  LAYERS,
  type Layer,
  ownFile,
  type Project,
  ROUTER_MARKERS,
  scaffoldFiles,
} from './layout';
import { addDependency, addUnderMarker, projectFor, writeIfChanged } from './scaffold';
import { apiSource, docsSource, pageSource, testSource } from './sources';

type SpecialistInput = z.output<(typeof AGENT_INPUTS)['backend-dev']>;

const SpecialistOutputSchema = z.object({
  layer: z.enum(LAYERS),
  /** Workspace files this run wrote or changed, sorted (a retry that changed nothing lists none). */
  changed: z.array(z.string()),
  /** Every file the layer owns or edits, changed or not. */
  files: z.array(z.string()),
  dependency: z.object({ section: z.string(), name: z.string(), version: z.string() }).optional(),
});

/** What a layer writes besides its own file: its line in the router. */
const ROUTER_LINES: Partial<Record<Layer, (project: Project) => string>> = {
  backend: (p) => `routes.push(...require('./api/${p.resource}${p.ext}').routes);`,
  frontend: (p) => `routes.push(...require('./pages/${p.resource}${p.ext}').routes);`,
};

const layersOf = (input: SpecialistInput): Layer[] => LAYERS.filter((layer) => input.layers.includes(layer));

const SOURCES: Record<Layer, (project: Project, input: SpecialistInput) => string> = {
  backend: (project, input) => apiSource(project, input.feature),
  frontend: (project, input) => pageSource(project, input.feature),
  tests: (project, input) => testSource(project, layersOf(input)),
  docs: (project, input) => docsSource(project, input.feature, layersOf(input)),
};

async function doLayer(layer: Layer, input: SpecialistInput, context: AgentContext) {
  const project = await projectFor(context.workspace, input.dir, input.resource);
  if (input.prompt) context.log(`${layer}: brief`, { prompt: input.prompt.slice(0, 500) });
  const files = [ownFile(layer, project)];
  const changed: string[] = [];
  if (await writeIfChanged(context.workspace, files[0] as string, SOURCES[layer](project, input))) {
    changed.push(files[0] as string);
  }
  context.heartbeat({ layer, step: 'written' });
  const routerLine = ROUTER_LINES[layer];
  if (routerLine) {
    const { router } = scaffoldFiles(project);
    files.push(router);
    const marker = ROUTER_MARKERS[layer as keyof typeof ROUTER_MARKERS];
    if (await addUnderMarker(context.workspace, router, marker, routerLine(project))) changed.push(router);
  }
  const dependency = LAYER_DEPENDENCIES[layer];
  if (dependency) {
    const { packageJson } = scaffoldFiles(project);
    files.push(packageJson);
    if (await addDependency(context.workspace, project.dir, dependency)) changed.push(packageJson);
  }
  return {
    layer,
    changed: changed.sort(),
    files: files.sort(),
    ...(dependency && { dependency: { ...dependency } }),
  };
}

const DESCRIPTIONS: Record<Layer, string> = {
  backend:
    'Offline backend specialist: a JSON API for the resource (list, get, create) on the router; declares express.',
  frontend:
    'Offline frontend specialist: a web page listing the resource from its API, on the router; declares express.',
  tests: "Offline test specialist: node:test tests of the plan's API and page through the HTTP server.",
  docs: 'Offline docs specialist: a Markdown page on the resource, its endpoints and its page.',
};

function specialistAgent(layer: Layer) {
  return defineAgent({
    name: LAYER_AGENTS[layer],
    description: DESCRIPTIONS[layer],
    input: AGENT_INPUTS[LAYER_AGENTS[layer]],
    output: SpecialistOutputSchema,
    run: (input, context) => doLayer(layer, input, context),
  });
}

export const backendDevAgent = specialistAgent('backend');
export const frontendDevAgent = specialistAgent('frontend');
export const testWriterAgent = specialistAgent('tests');
export const docsWriterAgent = specialistAgent('docs');
