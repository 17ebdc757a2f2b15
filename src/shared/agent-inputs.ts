/**
 * The input schemas of Baton's agents, apart from their code: the agents parse their input with
 * these, and the client checks a definition's static inputs against them before a run starts,
 * without loading any agent (the client never imports activities). Sandbox-safe.
 */
import { z } from 'zod';
import { ResolverInputSchema } from './merge-contract';
import { PlanInputSchema } from '../dispatch/plan';
import { TEMPLATE_AGENT_INPUTS, TEMPLATE_AGENTS } from './template-agent-inputs';

export const CodegenTargetSchema = z.enum(['node-express', 'java-springboot', 'node-module']);

export const BuildToolSchema = z.enum(['maven', 'gradle']);

/**
 * The technology settings codegen writes into a project (template params such as `node_version`),
 * each with the default the generators used before they existed, so older definitions still work.
 */
const TECHNOLOGY = {
  /** Node.js major: package.json `engines` and, for TypeScript, `@types/node`. */
  nodeVersion: z.enum(['20', '22', '24']).default('20'),
  /** Express major: the dependency range (and `@types/express`). */
  expressVersion: z.enum(['4', '5']).default('4'),
  /** An Express project in TypeScript (src/*.ts, tsconfig.json) instead of JavaScript. */
  typescript: z.boolean().default(false),
  /** Java release: pom.xml `java.version`, or the Gradle toolchain. */
  javaVersion: z.enum(['17', '21']).default('17'),
  /** The Spring Boot parent (Maven) or plugin (Gradle) version, a 3.x release. */
  springBootVersion: z
    .string()
    .regex(/^3\.\d+\.\d+$/, 'a Spring Boot 3 release such as 3.5.7')
    .default('3.5.7'),
  buildTool: BuildToolSchema.default('maven'),
};

/** What the offline specialist agents take; a decomposer's task input (`prompt` is for coding CLIs). */
const SpecialistInputSchema = z.object({
  feature: z.string(),
  /** The plural resource name, lower-case: `books`. */
  resource: z.string(),
  dir: z.string().default('app'),
  /** The layers the plan has (tests and docs cover those). */
  layers: z.array(z.string()).default([]),
  /** The task's brief, as a coding agent would be told it; the offline agents note it. */
  prompt: z.string().optional(),
});

export const AGENT_INPUTS = {
  'api-spec': z.object({
    /** What the API is for, in plain words: "books (title, isbn) and authors; members log in". */
    requirements: z.string().max(20_000).optional(),
    /** The service name, e.g. `todo-service`; becomes the spec title. Derived from the requirements when empty. */
    service: z.string().optional(),
    /** Plural resource names, as a list or comma-separated (`todos,users`): they override the requirements' resources. */
    resources: z.union([z.string(), z.array(z.string())]).optional(),
    version: z.string().min(1).default('1.0.0'),
    outDir: z.string().default('spec'),
  }),
  codegen: z.object({
    specPath: z.string(),
    target: CodegenTargetSchema,
    outDir: z.string().default('app'),
    ...TECHNOLOGY,
  }),
  review: z.object({
    /** Workspace-relative files to review, e.g. codegen's `files`. */
    files: z.array(z.string()).optional(),
    /** Or a directory to review, relative to the workspace; the whole workspace when neither is given. */
    dir: z.string().optional(),
    maxLineLength: z.number().int().positive().default(120),
  }),
  build: z.object({
    target: CodegenTargetSchema,
    /** The project directory, relative to the workspace (codegen's output `dir`). */
    dir: z.string().default('app'),
    /** A TypeScript project (npm install, tsc, tests of the compiled code); found from tsconfig.json when omitted. */
    typescript: z.boolean().optional(),
    /** How a Spring Boot project is packaged; found from pom.xml or build.gradle when omitted. */
    buildTool: BuildToolSchema.optional(),
  }),
  design: z.object({
    requirement: z.string(),
    /** The module name; defaults to `text-utils`. */
    module: z.string().default('text-utils'),
  }),
  deploy: z.object({
    /** The project directory, relative to the workspace (codegen's `dir`). */
    dir: z.string().default('app'),
    environment: z.string().default('staging'),
  }),
  research: z.object({
    query: z.string(),
    limit: z.number().int().min(1).max(100).default(10),
  }),
  /** The `resolver` strategy's agent: a merge's conflicted files with their three sides. */
  'merge-resolver': ResolverInputSchema,
  requirements: z.object({
    /** The feature, in plain words; the gate after the phase is where a person corrects it. */
    feature: z.string(),
    resource: z.string().optional(),
  }),
  decompose: z.object({
    /** The feature, in plain words: "Add a books API with a web page listing books, and tests". */
    feature: z.string(),
    /** The specialists it may use (config names); all of them when omitted. */
    specialists: z.array(z.string()).optional(),
    /** The project directory, relative to the workspace; found from package.json when omitted. */
    dir: z.string().optional(),
    /** The resource the feature is about (`books`); read from the feature when omitted. */
    resource: z.string().optional(),
  }),
  'backend-dev': SpecialistInputSchema,
  'frontend-dev': SpecialistInputSchema,
  'test-writer': SpecialistInputSchema,
  'docs-writer': SpecialistInputSchema,
  /** Ends a `--repo` run: pushes its branch to the repository's remote and opens a pull request. */
  'pull-request': z.object({
    /** Default: "Baton: run <workflow id>". */
    title: z.string().min(1).max(256).optional(),
    draft: z.boolean().default(false),
    /** The remote of the user's repository (default `origin`): where the branch goes, and which GitHub repository. */
    remote: z.string().min(1).default('origin'),
    /** The branch to merge into (default: the repository's default branch on GitHub). */
    base: z.string().min(1).optional(),
  }),
  /** The generic LLM agent, offered when a config is loaded. */
  llm: z.object({ prompt: z.string().min(1), system: z.string().optional() }),
  ...TEMPLATE_AGENT_INPUTS,
  /** The dispatch workflow's plan phase: the decision, written into plan.md for the plan gate. */
  'dispatch-plan': PlanInputSchema,
} as const;

/** Every command agent (an external CLI) takes an optional prompt and any other fields its args name. */
export const CommandAgentInputSchema = z.object({ prompt: z.string().optional() }).catchall(z.unknown());

/** The built-in agents every worker offers, by name (the `llm` agent comes with a config). */
export const BUILTIN_AGENTS = [
  'api-spec',
  'codegen',
  'review',
  'build',
  'design',
  'deploy',
  'research',
  'merge-resolver',
  'requirements',
  'decompose',
  'backend-dev',
  'frontend-dev',
  'test-writer',
  'docs-writer',
  'pull-request',
  ...TEMPLATE_AGENTS,
  'dispatch-plan',
] as const;
