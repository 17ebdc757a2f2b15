/**
 * The project layout the offline specialists share with the decomposer: which files each layer
 * writes, and which package each declares. The decomposer names these paths in its tasks, so what
 * it predicts is what the specialists touch.
 */
import path from 'node:path';

export const LAYERS = ['backend', 'frontend', 'tests', 'docs'] as const;
export type Layer = (typeof LAYERS)[number];

/** The offline agent of each layer; a specialist mapped to one of them does that layer's work. */
export const LAYER_AGENTS = {
  backend: 'backend-dev',
  frontend: 'frontend-dev',
  tests: 'test-writer',
  docs: 'docs-writer',
} as const satisfies Record<Layer, string>;

/** Where a feature's files go: the project dir (workspace-relative, posix) and its JS extension. */
export interface Project {
  dir: string;
  /** `.js` in a CommonJS package, `.cjs` in one with `"type": "module"` (the sources use require). */
  ext: '.js' | '.cjs';
  resource: string;
}

/** Section markers in the router: each layer adds its line under its own, so the edits merge. */
export const ROUTER_MARKERS = {
  backend: '// --- api routes ---',
  frontend: '// --- page routes ---',
} as const;

/**
 * The package each layer declares. They overlap on purpose: backend and frontend both want express,
 * at different compatible ranges, so a merge meets a dependency conflict that `highest-compatible`
 * settles. The sources use only Node built-ins (verify runs without an install); these declare
 * what a production version of the layer would use.
 */
export const LAYER_DEPENDENCIES = {
  backend: { section: 'dependencies', name: 'express', version: '^4.18.2' },
  frontend: { section: 'dependencies', name: 'express', version: '^4.19.2' },
  tests: { section: 'devDependencies', name: 'supertest', version: '^7.0.0' },
  docs: undefined,
} as const satisfies Record<Layer, { section: string; name: string; version: string } | undefined>;

const join = (project: Project, file: string): string => path.posix.join(project.dir, file);

/** The files the scaffold holds: the integration points several layers touch. */
export function scaffoldFiles(project: Project): { packageJson: string; router: string; server: string } {
  return {
    packageJson: join(project, 'package.json'),
    router: join(project, `src/router${project.ext}`),
    server: join(project, `src/server${project.ext}`),
  };
}

/** The file a layer writes on its own (nobody else touches it). */
export function ownFile(layer: Layer, project: Project): string {
  const { resource, ext } = project;
  const files = {
    backend: `src/api/${resource}${ext}`,
    frontend: `src/pages/${resource}${ext}`,
    tests: `test/${resource}.test${ext}`,
    docs: `docs/${resource}.md`,
  } as const satisfies Record<Layer, string>;
  return join(project, files[layer]);
}

/** Every file a layer's task touches: its own file, the router (API and page), package.json. */
export function layerPaths(layer: Layer, project: Project): string[] {
  const shared = scaffoldFiles(project);
  return [
    ownFile(layer, project),
    ...(layer === 'backend' || layer === 'frontend' ? [shared.router] : []),
    ...(LAYER_DEPENDENCIES[layer] ? [shared.packageJson] : []),
  ];
}

/** `books` → `book`; `categories` → `category`. Good enough for resource names. */
export function singular(resource: string): string {
  if (resource.endsWith('ies')) return `${resource.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/.test(resource)) return resource.slice(0, -2);
  return resource.endsWith('s') && !resource.endsWith('ss') ? resource.slice(0, -1) : resource;
}

/** `book-reviews` → `Book reviews`, for titles. */
export function titleOf(words: string): string {
  const spaced = words.replace(/-/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
