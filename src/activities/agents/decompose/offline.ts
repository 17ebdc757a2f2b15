/**
 * The offline decomposer: one task per layer the feature calls for, all side by side (no needs:
 * they meet through contracts, the URLs in `inputs` and `outputs`), each naming the files it will
 * touch. The shared files (package.json, the router) are named by every task that edits them, so
 * the plan gate shows those overlaps as predicted conflicts.
 */
import type { Specialist } from '../../../config';
import { type Layer, layerPaths, ownFile, type Project, singular, titleOf } from '../specialist/layout';
import { layerOf } from './feature';

/** A task as a decomposer describes it, before its agent and input are filled in from config. */
export interface PlannedTask {
  id: string;
  title: string;
  description: string;
  specialist: string;
  estimate: string;
  needs: string[];
  inputs: string[];
  outputs: string[];
  paths: string[];
  locks: string[];
}

/** What each layer's task promises: seed 000's input and output contracts. */
const LAYER_PLANS = {
  backend: {
    noun: 'API',
    estimate: '2h',
    outputs: (p) => [`GET /api/${p.resource}`, `GET /api/${p.resource}/:id`, `POST /api/${p.resource}`],
    describe: (p) =>
      `A JSON API for ${p.resource} (list, get by id, create with {"name"}), in ${ownFile('backend', p)}, ` +
      'mounted under the router\'s "api routes" section.',
  },
  frontend: {
    noun: 'page',
    estimate: '1.5h',
    outputs: (p) => [`GET /${p.resource} (HTML)`],
    describe: (p) =>
      `A web page at /${p.resource} that lists each ${singular(p.resource)} it reads from /api/${p.resource}, ` +
      `in ${ownFile('frontend', p)}, mounted under the router's "page routes" section.`,
  },
  tests: {
    noun: 'tests',
    estimate: '2h',
    outputs: (p) => [ownFile('tests', p)],
    describe: (p) =>
      `node:test tests in ${ownFile('tests', p)} that start the HTTP server and exercise the plan's ` +
      'endpoints and page by URL.',
  },
  docs: {
    noun: 'docs',
    estimate: '30m',
    outputs: (p) => [ownFile('docs', p)],
    describe: (p) =>
      `A Markdown page in ${ownFile('docs', p)} on the ${p.resource} endpoints, page and how to run them.`,
  },
} as const satisfies Record<
  Layer,
  { noun: string; estimate: string; outputs(p: Project): string[]; describe(p: Project): string }
>;

/** The contracts a layer works from: what the code layers of the plan offer. */
function inputsOf(layer: Layer, project: Project, layers: readonly Layer[]): string[] {
  if (layer === 'backend') return ['the feature description'];
  if (layer === 'frontend') return [`GET /api/${project.resource}`];
  return layers
    .filter((l): l is 'backend' | 'frontend' => l === 'backend' || l === 'frontend')
    .flatMap((l) => LAYER_PLANS[l].outputs(project));
}

/** The tasks for the chosen specialists, in their order; deterministic. */
export function planOffline(project: Project, chosen: ReadonlyArray<[string, Specialist]>): PlannedTask[] {
  const layers = chosen.map(([name, s]) => layerOf(name, s)).filter((l): l is Layer => l !== undefined);
  return chosen.map(([name, specialist]): PlannedTask => {
    const layer = layerOf(name, specialist);
    const base = { id: name, specialist: name, needs: [], locks: [] };
    if (!layer) {
      // A specialist of the config's own: Baton cannot tell which files its agent will touch.
      return {
        ...base,
        title: `${titleOf(project.resource)}: ${name}`,
        description: specialist.description ?? `The ${name} part of the feature.`,
        estimate: '1h',
        inputs: ['the feature description'],
        outputs: [],
        paths: [],
      };
    }
    const plan = LAYER_PLANS[layer];
    return {
      ...base,
      title: `${titleOf(project.resource)} ${plan.noun}`,
      description: plan.describe(project),
      estimate: plan.estimate,
      inputs: inputsOf(layer, project, layers),
      outputs: plan.outputs(project),
      paths: layerPaths(layer, project),
    };
  });
}
