/**
 * The issue-analysis template's own agents: `issue-source` reads the issue (a local JSON file, the
 * GitHub API with GITHUB_TOKEN, or the params `baton serve --github` passes), `issue-plan` writes
 * plan.md with its steps (the LLM writes them when configured), and `issue-implement` runs the
 * backend specialist on it when the run asked for an implementation.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { TEMPLATE_AGENT_INPUTS } from '../../shared/template-agent-inputs';
import { badInput } from '../failures';
import { type AgentContext, defineAgent } from './agent';
import { githubAccess, githubGet, repositoryPath } from './github-get';
import { backendDevAgent, testWriterAgent } from './specialist/agents';
import { ensureScaffold, projectFor } from './specialist/scaffold';
import { resolveInside } from './toolbox/files';
import { askLlm, hasLlm } from './toolbox/llm';
import { readText } from './security/scope';

const MAX_BODY = 8000;

/** The part of GitHub's issue JSON read, from the API or a file saved from it. */
const GitHubIssueSchema = z.object({
  title: z.string().min(1),
  body: z.string().nullable().optional(),
  number: z.number().int().positive().optional(),
  html_url: z.string().optional(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string() })])).optional(),
  state: z.string().optional(),
  user: z.object({ login: z.string() }).nullable().optional(),
});

const IssueSchema = z.object({
  title: z.string(),
  body: z.string(),
  number: z.string(),
  url: z.string(),
  repository: z.string(),
  labels: z.array(z.string()),
  author: z.string(),
  source: z.enum(['file', 'github', 'params']),
});

function fromGitHub(raw: z.infer<typeof GitHubIssueSchema>, repository: string, source: 'file' | 'github') {
  return {
    title: raw.title,
    body: (raw.body ?? '').slice(0, MAX_BODY),
    number: raw.number ? String(raw.number) : '',
    url: raw.html_url ?? '',
    repository,
    labels: (raw.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name)),
    author: raw.user?.login ?? '',
    source,
  };
}

async function readIssueFile(file: string, context: AgentContext) {
  resolveInside(context.workspace, file, 'issueFile');
  const text = await readText(context.workspace, file);
  if (text === undefined) {
    throw badInput(
      `issueFile "${file}" is not a readable text file in the workspace; save the issue's JSON there, e.g. gh issue view 7 --json title,body,number,url > issue.json`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badInput(`issueFile "${file}" is not JSON (${(error as Error).message})`);
  }
  // `gh issue view --json` says `url`; the REST API says `html_url`.
  const record = json as Record<string, unknown>;
  const parsed = GitHubIssueSchema.safeParse({ html_url: record?.url, ...record });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(
      `issueFile "${file}": ${issue.path.join('.') || 'the issue'}: ${issue.message}; it needs at least a "title"`,
    );
  }
  return parsed.data;
}

export const issueSourceAgent = defineAgent({
  name: 'issue-source',
  description:
    'Reads the issue to analyse: a local JSON file (issueFile), GitHub’s API with GITHUB_TOKEN (repository and number), or the title and body given.',
  input: TEMPLATE_AGENT_INPUTS['issue-source'],
  output: IssueSchema,
  async run(input, context) {
    if (input.issueFile)
      return fromGitHub(await readIssueFile(input.issueFile, context), input.repository, 'file');
    const access = githubAccess();
    if (access && input.repository && input.number) {
      if (!/^[1-9]\d*$/.test(input.number))
        throw badInput(`number "${input.number}" is not an issue number such as 7`);
      const raw = await githubGet(
        `/repos/${repositoryPath(input.repository)}/issues/${input.number}`,
        access,
        context,
      );
      const parsed = GitHubIssueSchema.safeParse(raw);
      if (!parsed.success)
        throw badInput(`GitHub's answer for ${input.repository}#${input.number} is not an issue`);
      return fromGitHub(parsed.data, input.repository, 'github');
    }
    if (!input.title.trim()) {
      throw badInput(
        'no issue: give title (and body), issueFile (a JSON file in the workspace), or repository and number with GITHUB_TOKEN on the worker',
      );
    }
    return {
      ...input,
      body: input.body.slice(0, MAX_BODY),
      labels: [],
      author: '',
      source: 'params' as const,
    };
  },
});

const StepSchema = z.object({ title: z.string().min(1).max(300), detail: z.string().max(2000) });
const PLAN_PATH = 'plan.md';

/** Offline: the steps any change of this kind takes, made concrete with the requirements' resource. */
function offlineSteps(input: z.output<(typeof TEMPLATE_AGENT_INPUTS)['issue-plan']>) {
  const what = input.resource || 'the change';
  return [
    {
      title: 'Confirm the scope',
      detail: `Re-read "${input.title}" and agree the acceptance criteria below with the reporter.`,
    },
    ...(input.related.length
      ? [
          {
            title: 'Study related work',
            detail: `Start from ${input.related
              .slice(0, 3)
              .map((r) => r.name)
              .join(', ')}.`,
          },
        ]
      : []),
    {
      title: `Implement ${what}`,
      detail: `Add the ${what} handlers and data model under app/, one concern per module.`,
    },
    ...input.criteria.map((c) => ({ title: 'Meet a criterion', detail: c })),
    { title: 'Test it', detail: `Write tests for each acceptance criterion of ${what} and run them.` },
    {
      title: 'Document and review',
      detail: 'Update the README, open a pull request that links the issue, and ask for review.',
    },
  ];
}

export const issuePlanAgent = defineAgent({
  name: 'issue-plan',
  description:
    'Writes plan.md: the numbered steps to resolve an issue, from its analysis; the LLM writes them when configured.',
  input: TEMPLATE_AGENT_INPUTS['issue-plan'],
  output: z.object({ steps: z.array(StepSchema), planPath: z.string(), llm: z.boolean() }),
  llm: 'optional',
  async run(input, context) {
    const llm = hasLlm(context, 'issue-plan');
    const steps = llm
      ? (
          await askLlm(context, {
            agent: 'issue-plan',
            schema: z.object({ steps: z.array(StepSchema).min(1).max(20) }),
            system: 'You plan software changes. Give concrete, ordered steps a developer can follow.',
            prompt: [
              `Issue: ${input.title}`,
              input.body,
              input.criteria.length
                ? `Acceptance criteria:\n${input.criteria.map((c) => `- ${c}`).join('\n')}`
                : '',
              input.related.length
                ? `Related work:\n${input.related.map((r) => `- ${r.name}: ${r.description}`).join('\n')}`
                : '',
              'Answer with the steps to resolve it.',
            ].join('\n\n'),
          })
        ).steps
      : offlineSteps(input);
    const text = [
      `# Plan: ${input.title}`,
      '',
      ...steps.map((s, i) => `${i + 1}. **${s.title}**: ${s.detail}`),
      '',
    ].join('\n');
    await mkdir(path.dirname(path.join(context.workspace, PLAN_PATH)), { recursive: true });
    await writeFile(path.join(context.workspace, PLAN_PATH), text);
    return { steps, planPath: PLAN_PATH, llm };
  },
});

export const issueImplementAgent = defineAgent({
  name: 'issue-implement',
  description:
    'Implements an analysed issue with the backend and test specialists (an API for its resource, with tests) when enabled; otherwise records that it was skipped.',
  input: TEMPLATE_AGENT_INPUTS['issue-implement'],
  output: z.object({ skipped: z.boolean(), reason: z.string().optional(), files: z.array(z.string()) }),
  async run(input, context) {
    if (!input.enabled) {
      return { skipped: true, reason: 'implement is false: the run stops at the plan', files: [] };
    }
    // The scaffold the specialists meet in (what decompose writes), then the API and its tests.
    const project = await projectFor(context.workspace, input.dir, input.resource);
    const files = new Set(await ensureScaffold(context.workspace, project));
    for (const specialist of [backendDevAgent, testWriterAgent]) {
      const made = (await specialist.run(
        specialist.input.parse({
          feature: input.feature,
          resource: input.resource,
          dir: input.dir,
          layers: ['backend', 'tests'],
        }),
        context,
      )) as { files?: string[] };
      for (const file of made.files ?? []) files.add(file);
    }
    return { skipped: false, files: [...files].sort() };
  },
});
