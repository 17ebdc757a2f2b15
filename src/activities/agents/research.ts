import { AGENT_INPUTS } from '../../shared/agent-inputs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AgentFailureKind } from '../../shared/failure-types';
import { agentFailure, badInput, cancellation } from '../failures';
import { retryAfterMs } from '../retry-after';
import { type AgentContext, defineAgent } from './agent';
import { isDirectory, listFiles, skipping } from './toolbox/files';
import { leavesRoot } from './toolbox/inside';

const REPORT_PATH = 'research/results.md';
const DEFAULT_API = 'https://api.github.com';
const TIMEOUT_MS = 30_000;
const MAX_FILE_BYTES = 256 * 1024;
const SKIPPED_DIRS = skipping('tooling', 'output');

const ResultSchema = z.object({
  name: z.string(),
  url: z.string(),
  description: z.string(),
  stars: z.number().int().min(0),
  /** Offline only: how often the query's terms occur in it. */
  matches: z.number().int().min(0).optional(),
});
type ResearchResult = z.infer<typeof ResultSchema>;

/** The part of GitHub's `GET /search/repositories` answer this agent reads. */
const GitHubSearchSchema = z.object({
  total_count: z.number().optional(),
  items: z.array(
    z.object({
      full_name: z.string(),
      html_url: z.string(),
      description: z.string().nullable().optional(),
      stargazers_count: z.number().int().min(0),
    }),
  ),
});

export interface ResearchDeps {
  /** Where `GITHUB_TOKEN` and `GITHUB_API_URL` are read; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** Baton's templates, searched offline beside the workspace; defaults to the repo's `templates/`. */
  templatesDir?: string;
}

function fail(kind: AgentFailureKind, message: string, nextRetryDelay?: number) {
  return agentFailure(kind, message, { nextRetryDelay });
}

async function githubMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || response.statusText;
}

/** Turns a GitHub error response into the failure Temporal acts on; `hide` keeps the token out. */
async function classifyGitHub(
  response: Response,
  url: string,
  hide: (text: string) => string,
): Promise<Error> {
  const status = response.status;
  const said = hide(await githubMessage(response));
  const delay = retryAfterMs(response.headers);
  const limited = response.headers.get('x-ratelimit-remaining') === '0' || /rate limit/i.test(said);
  if (status === 429 || (status === 403 && (limited || response.headers.has('retry-after')))) {
    return fail('RateLimited', `GitHub search is rate limited at ${url} (${status}: ${said})`, delay);
  }
  if (status === 401) {
    return fail(
      'AuthFailed',
      `GITHUB_TOKEN was rejected by ${url} (401: ${said}); set a valid token in GITHUB_TOKEN, or unset it to research offline`,
    );
  }
  if (status === 403) {
    return fail(
      'AuthFailed',
      `GITHUB_TOKEN may not search at ${url} (403: ${said}); use a token with access, or unset GITHUB_TOKEN`,
    );
  }
  if (status === 422) {
    return fail('BadInput', `GitHub rejected the search query (422: ${said}); simplify query`);
  }
  if (status === 408 || status >= 500) {
    return fail('ProviderUnavailable', `GitHub is unavailable at ${url} (${status}: ${said})`, delay);
  }
  return fail('BadRequest', `GitHub answered ${status} at ${url}: ${said}`);
}

async function searchGitHub(
  query: string,
  limit: number,
  token: string,
  deps: Required<Pick<ResearchDeps, 'fetch'>> & { api: string },
  context: AgentContext,
): Promise<ResearchResult[]> {
  const endpoint = `${deps.api.replace(/\/+$/, '')}/search/repositories`;
  const url = `${endpoint}?q=${encodeURIComponent(query)}&per_page=${limit}`;
  const hide = (text: string) => text.split(token).join('[redacted]');
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await deps.fetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'user-agent': 'baton-research',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.any([context.signal, timeout]),
    });
  } catch (error) {
    if (context.signal.aborted) throw cancellation(context.signal, error);
    const why = timeout.aborted ? `no answer within ${TIMEOUT_MS / 1000}s` : (error as Error).message;
    throw fail('ProviderUnavailable', hide(`cannot reach GitHub at ${endpoint} (${why})`));
  }
  if (!response.ok) throw await classifyGitHub(response, endpoint, hide);
  const parsed = GitHubSearchSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw fail('ProviderUnavailable', `GitHub answered ${endpoint} with an unexpected body`);
  }
  return parsed.data.items.slice(0, limit).map((item) => ({
    name: item.full_name,
    url: item.html_url,
    description: item.description ?? '',
    stars: item.stargazers_count,
  }));
}

function termsOf(query: string): string[] {
  const terms = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_-]+/u)
    .filter((term) => term.length >= 2);
  return [...new Set(terms)];
}

/** Files under `dir` that mention the query's terms, best first; deterministic for the same files. */
async function searchFiles(
  dir: string,
  prefix: string,
  terms: readonly string[],
  context: AgentContext,
): Promise<ResearchResult[]> {
  if (!(await isDirectory(dir))) return [];
  const results: ResearchResult[] = [];
  for (const file of await listFiles(dir, dir, SKIPPED_DIRS)) {
    if (file.split('/').some((part) => part.startsWith('.')) || file.startsWith('research/')) continue;
    const absolute = path.join(dir, file);
    // A symlink (or a linked directory on the way) out of the searched tree is never read.
    if (await leavesRoot(dir, absolute)) continue;
    if ((await stat(absolute)).size > MAX_FILE_BYTES) continue;
    const text = await readFile(absolute, 'utf8');
    if (text.includes('\u0000')) continue;
    const lower = text.toLowerCase();
    let matches = 0;
    for (const term of terms)
      matches += lower.split(term).length - 1 + (file.toLowerCase().includes(term) ? 1 : 0);
    if (matches === 0) continue;
    const line = text.split('\n').find((l) => terms.some((t) => l.toLowerCase().includes(t))) ?? '';
    results.push({
      name: `${prefix}${file}`,
      url: `${prefix}${file}`,
      description: line.trim().slice(0, 200),
      stars: 0,
      matches,
    });
    context.heartbeat({ step: 'searched', file });
  }
  return results;
}

function renderReport(query: string, source: 'github' | 'offline', results: ResearchResult[]): string {
  const lines = [
    `# Research: ${query}`,
    '',
    source === 'github'
      ? 'Source: GitHub repository search (best match first).'
      : "Source: offline. GITHUB_TOKEN is not set, so the workspace and Baton's templates were searched " +
        "for the query's terms instead of GitHub; set GITHUB_TOKEN on the worker to search GitHub.",
    '',
  ];
  if (results.length === 0) lines.push('Nothing matched.', '');
  else {
    lines.push(
      source === 'github'
        ? '| Repository | Stars | Description |'
        : '| File | Matches | First matching line |',
    );
    lines.push('| --- | --- | --- |');
    for (const r of results) {
      const description = r.description.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
      const count = source === 'github' ? r.stars : (r.matches ?? 0);
      lines.push(`| [${r.name}](${r.url}) | ${count} | ${description} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Researches a query: GitHub's repository search when `GITHUB_TOKEN` is set, otherwise an offline
 * search of the workspace and Baton's templates. Writes `research/results.md`.
 */
export function createResearchAgent(deps: ResearchDeps = {}) {
  return defineAgent({
    name: 'research',
    description:
      'Searches GitHub repositories for a query (with GITHUB_TOKEN), or the workspace and templates offline; ' +
      'writes research/results.md.',
    input: AGENT_INPUTS.research,
    output: z.object({
      query: z.string(),
      source: z.enum(['github', 'offline']),
      results: z.array(ResultSchema),
      reportPath: z.string(),
    }),
    async run(input, context) {
      const query = input.query.trim();
      if (!query) throw badInput('query is empty; say what to research, e.g. "express openapi generator"');
      const env = deps.env ?? process.env;
      const templatesDir =
        deps.templatesDir ??
        env.BATON_TEMPLATES_DIR ??
        fileURLToPath(new URL('../../../templates', import.meta.url));
      const token = env.GITHUB_TOKEN?.trim();
      let source: 'github' | 'offline';
      let results: ResearchResult[];
      if (token) {
        source = 'github';
        const api = env.GITHUB_API_URL?.trim() || DEFAULT_API;
        context.heartbeat({ step: 'github', api });
        results = await searchGitHub(query, input.limit, token, { api, fetch: deps.fetch ?? fetch }, context);
      } else {
        source = 'offline';
        context.log('research runs offline: GITHUB_TOKEN is not set', { agent: 'research' });
        const terms = termsOf(query);
        if (terms.length === 0) throw badInput(`query "${input.query}" has no words to search for`);
        const found = [
          ...(await searchFiles(context.workspace, '', terms, context)),
          ...(await searchFiles(templatesDir, 'baton:templates/', terms, context)),
        ];
        results = found
          .sort((a, b) => (b.matches ?? 0) - (a.matches ?? 0) || a.name.localeCompare(b.name))
          .slice(0, input.limit);
      }
      const report = path.join(context.workspace, REPORT_PATH);
      await mkdir(path.dirname(report), { recursive: true });
      await writeFile(report, renderReport(query, source, results));
      context.heartbeat({ step: 'written', results: results.length });
      return { query, source, results, reportPath: REPORT_PATH };
    },
  });
}

/** The research agent, reading GITHUB_TOKEN from the worker's environment. */
export const researchAgent = createResearchAgent();
