/**
 * Seed 000's `agent_specializations`: which agent a specialist's tasks run with, the skills that
 * route a feature's parts to it, and its resource limits. The config's `specialists` section is
 * merged over the built-in ones, so `specialists.backend.agent: claude` swaps one agent and keeps
 * the rest.
 */
import { z } from 'zod';
import { DurationSchema as SharedDurationSchema } from '../shared/definition';
import { DURATION_HINT, parseDuration } from '../shared/duration';

const DurationSchema = SharedDurationSchema.refine((v) => parseDuration(v) !== undefined, {
  error: `not a duration; ${DURATION_HINT}`,
});

export const SPECIALIST_NAME = /^[a-z][a-z0-9-]*$/;

export const SpecialistLimitsSchema = z.strictObject({
  /** The most one task of this specialist may run (a command agent's timeout is lowered to it). */
  timeout: DurationSchema.optional(),
  /** Address-space limit for a command agent's process, through `prlimit --as` where it exists. */
  maxMemoryMb: z
    .number()
    .int()
    .min(16)
    .max(1024 * 1024)
    .optional(),
});
export type SpecialistLimits = z.infer<typeof SpecialistLimitsSchema>;

export const SpecialistSchema = z.strictObject({
  /** The agent its tasks run with: a built-in agent or a command agent of this config. */
  agent: z.string().min(1),
  /** Words in a feature description that call for this specialist (`api`, `ui`, `tests`). */
  skills: z.array(z.string().min(1).max(50)).max(100).optional(),
  description: z.string().max(1000).optional(),
  limits: SpecialistLimitsSchema.optional(),
});
export type Specialist = z.infer<typeof SpecialistSchema>;

/** A specialist in the file: every field optional, so an entry can change one thing of a built-in. */
export const SpecialistEntrySchema = SpecialistSchema.partial();
export type SpecialistEntry = z.infer<typeof SpecialistEntrySchema>;

/** The built-in specialists and the offline agents that do their part without an LLM. */
export const DEFAULT_SPECIALISTS: Readonly<Record<string, Specialist>> = {
  backend: {
    agent: 'backend-dev',
    skills: [
      'api',
      'apis',
      'backend',
      'server',
      'endpoint',
      'endpoints',
      'rest',
      'crud',
      'database',
      'db',
      'service',
      'route',
      'routes',
      'auth',
      'authentication',
      'graphql',
      'model',
    ],
    description: 'The HTTP API: a JSON resource with list, get and create, mounted on the router.',
  },
  frontend: {
    agent: 'frontend-dev',
    skills: [
      'ui',
      'frontend',
      'page',
      'pages',
      'web',
      'view',
      'views',
      'screen',
      'form',
      'html',
      'css',
      'react',
      'component',
      'dashboard',
      'browser',
    ],
    description: 'A web page that lists the resource, served on the router.',
  },
  tests: {
    agent: 'test-writer',
    skills: ['test', 'tests', 'testing', 'tested', 'coverage', 'qa', 'e2e'],
    description: 'node:test tests of the API and the page through the HTTP server.',
  },
  docs: {
    agent: 'docs-writer',
    skills: ['doc', 'docs', 'documentation', 'documented', 'readme', 'guide', 'manual'],
    description: 'A Markdown page on the resource: its endpoints, its page, how to run it.',
  },
};

/**
 * The config's entries over the built-ins. A new specialist needs an `agent`; an entry for a
 * built-in one changes only the fields it sets. Problems are pushed, one per bad entry.
 */
export function mergeSpecialists(
  entries: Record<string, SpecialistEntry> | undefined,
  problems: string[],
  options: { where?: (key: string) => string; agents?: readonly string[] } = {},
): Record<string, Specialist> {
  const where = options.where ?? ((key: string) => key);
  const merged: Record<string, Specialist> = { ...DEFAULT_SPECIALISTS };
  for (const [name, entry] of Object.entries(entries ?? {})) {
    const base = DEFAULT_SPECIALISTS[name];
    const agent = entry.agent ?? base?.agent;
    if (!agent) {
      problems.push(
        `${where(`specialists.${name}.agent`)}: required for a specialist that is not built in (${Object.keys(DEFAULT_SPECIALISTS).join(', ')}); name the agent or command agent its tasks run with`,
      );
      continue;
    }
    if (options.agents && !options.agents.includes(agent)) {
      problems.push(
        `${where(`specialists.${name}.agent`)}: "${agent}" is not an agent of this worker; use a built-in agent or a command agent of this config (${[...options.agents].sort().join(', ')})`,
      );
      continue;
    }
    merged[name] = { ...base, ...entry, agent };
  }
  return merged;
}

/** The specialists of a loaded config, or the built-ins without one. */
export function specialistsOf(config?: {
  specialists?: Record<string, Specialist>;
}): Record<string, Specialist> {
  return config?.specialists ?? { ...DEFAULT_SPECIALISTS };
}
