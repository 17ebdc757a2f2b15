/**
 * The input schemas of the agents behind the security-audit, research, issue-analysis and
 * pr-review templates (issue 12), kept apart from agent-inputs.ts so that file only spreads them in.
 * Sandbox-safe: the client checks definitions against these without loading any agent.
 */
import { z } from 'zod';

/** A workspace-relative path the audit looks at: a directory such as `src/auth`, or one file. */
const ScopeSchema = z.string().min(1).max(500).default('.');

/** One finding as the security phases hand it on; the report agent ranks them. */
export const SecurityFindingSchema = z.object({
  severity: z.enum(['critical', 'high', 'medium', 'low']),
  category: z.enum(['secret', 'dependency', 'static', 'llm']),
  rule: z.string(),
  file: z.string(),
  line: z.number().int().positive().optional(),
  message: z.string(),
  /** The offending text with any secret redacted. */
  evidence: z.string().optional(),
});
export type SecurityFinding = z.infer<typeof SecurityFindingSchema>;

const Findings = z.array(SecurityFindingSchema).default([]);

/** A research result as `research` returns it (synthesize cites these). */
const SourceSchema = z.object({
  name: z.string(),
  url: z.string(),
  description: z.string().default(''),
  stars: z.number().optional(),
  matches: z.number().optional(),
});

/** A review finding on a diff: file, line, severity. */
export const DiffFindingSchema = z.object({
  file: z.string(),
  line: z.number().int().positive().optional(),
  severity: z.enum(['error', 'warning', 'info']),
  rule: z.string(),
  message: z.string(),
});

export const TEMPLATE_AGENT_INPUTS = {
  'secret-scan': z.object({ scope: ScopeSchema }),
  'dependency-audit': z.object({ scope: ScopeSchema }),
  'security-lint': z.object({ scope: ScopeSchema }),
  'security-review': z.object({ scope: ScopeSchema }),
  'security-report': z.object({
    scope: ScopeSchema,
    secrets: Findings,
    dependencies: Findings,
    static: Findings,
    llm: Findings,
    /** Why the LLM review did not run, when it did not. */
    llmSkipped: z.string().optional(),
  }),
  synthesize: z.object({
    query: z.string().min(1),
    sources: z.array(SourceSchema),
    /** Where the gathered sources came from: `github` or `offline`. */
    source: z.string().default('offline'),
  }),
  'issue-source': z.object({
    title: z.string().default(''),
    body: z.string().default(''),
    url: z.string().default(''),
    number: z.string().default(''),
    repository: z.string().default(''),
    /** A GitHub issue as JSON (the API's shape), relative to the workspace: read instead of the API. */
    issueFile: z.string().default(''),
  }),
  'issue-plan': z.object({
    title: z.string(),
    body: z.string().default(''),
    resource: z.string().default(''),
    criteria: z.array(z.string()).default([]),
    related: z.array(SourceSchema).default([]),
  }),
  'issue-implement': z.object({
    /** False: the phase records that it was skipped (templates gate it with `when: params.implement` instead). */
    enabled: z.boolean().default(true),
    feature: z.string(),
    resource: z.string(),
    dir: z.string().default('app'),
  }),
  'diff-review': z.object({
    /** A local diff: the base and head refs (branches or commits) in the workspace's repository. */
    base: z.string().default(''),
    head: z.string().default(''),
    /** Or a pull request on GitHub (with GITHUB_TOKEN): owner/name and number. */
    repository: z.string().default(''),
    number: z.string().default(''),
  }),
  'pr-verdict': z.object({
    findings: z.array(DiffFindingSchema).default([]),
    /** The workspace review's errors (review agent): blocking only when there was no diff to review. */
    reviewErrors: z.number().int().min(0).default(0),
    /** Where the diff came from (diff-review's `source`): `git`, `github` or `none`. */
    diffSource: z.string().default('none'),
    /** The changed files (diff-review's `files`); counted in the summary. */
    files: z.array(z.unknown()).default([]),
    title: z.string().default(''),
  }),
} as const;

/** Their names, spread into BUILTIN_AGENTS. */
export const TEMPLATE_AGENTS = [
  'secret-scan',
  'dependency-audit',
  'security-lint',
  'security-review',
  'security-report',
  'synthesize',
  'issue-source',
  'issue-plan',
  'issue-implement',
  'diff-review',
  'pr-verdict',
] as const;
