import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentContext } from '../../src/activities/agents/agent';
import { createResearchAgent } from '../../src/activities/agents/research';
import { retryAfterMs } from '../../src/activities/retry-after';
import { agentContext, failureOf } from '../helpers/agent-context';

const TOKEN = 'ghp_fakeTokenForTests0123456789abcdefABCD';
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function workspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-research-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

function contextFor(dir: string): AgentContext {
  return agentContext(dir, { workflowId: 'research-test', phase: 'research' });
}

interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** A scriptable stand-in for GitHub's REST API over real HTTP on 127.0.0.1. */
async function startFakeGitHub() {
  const queue: Reply[] = [];
  const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const next = queue.shift() ?? { status: 500, body: { message: 'fake-github: nothing scripted' } };
    res.writeHead(next.status ?? 200, { 'content-type': 'application/json', ...next.headers });
    res.end(JSON.stringify(next.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies: Reply[]) => void queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type FakeGitHub = Awaited<ReturnType<typeof startFakeGitHub>>;

async function research(env: Record<string, string | undefined>, input: unknown, dir: string) {
  const agent = createResearchAgent({ env });
  return agent.output.parse(await agent.run(agent.input.parse(input), contextFor(dir)));
}

describe('research against a fake GitHub', () => {
  let github: FakeGitHub;
  let env: Record<string, string>;
  beforeEach(async () => {
    github = await startFakeGitHub();
    env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url };
  });
  afterEach(async () => {
    await github.close();
  });

  it('searches repositories with the token and writes research/results.md', async () => {
    github.reply({
      body: {
        total_count: 2,
        items: [
          {
            full_name: 'expressjs/express',
            html_url: 'https://github.com/expressjs/express',
            description: 'Fast, unopinionated, minimalist web framework',
            stargazers_count: 65000,
          },
          {
            full_name: 'acme/openapi-express',
            html_url: 'https://github.com/acme/openapi-express',
            stargazers_count: 12,
          },
        ],
      },
    });
    const dir = await workspace();
    const result = await research(env, { query: 'express openapi', limit: 2 }, dir);

    expect(github.requests).toHaveLength(1);
    const request = github.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/search/repositories?q=express%20openapi&per_page=2');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers.accept).toBe('application/vnd.github+json');
    expect(result).toEqual({
      query: 'express openapi',
      source: 'github',
      reportPath: 'research/results.md',
      results: [
        {
          name: 'expressjs/express',
          url: 'https://github.com/expressjs/express',
          description: 'Fast, unopinionated, minimalist web framework',
          stars: 65000,
        },
        {
          name: 'acme/openapi-express',
          url: 'https://github.com/acme/openapi-express',
          description: '',
          stars: 12,
        },
      ],
    });
    const report = await readFile(path.join(dir, 'research/results.md'), 'utf8');
    expect(report).toContain('Source: GitHub repository search');
    expect(report).toContain('| [expressjs/express](https://github.com/expressjs/express) | 65000 |');
  });

  it('401 is non-retryable, names GITHUB_TOKEN and never echoes the token', async () => {
    github.reply({ status: 401, body: { message: `Bad credentials for ${TOKEN}` } });
    const failure = await failureOf(research(env, { query: 'temporal' }, await workspace()));
    expect(failure.type).toBe('Agent.AuthFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('GITHUB_TOKEN');
    expect(failure.message).toContain('Bad credentials');
    expect(failure.message).not.toContain(TOKEN);
    expect(failure.message).toContain('[redacted]');
  });

  it('403 rate limit is retryable, waiting until x-ratelimit-reset', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 42;
    github.reply({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    });
    const failure = await failureOf(research(env, { query: 'temporal' }, await workspace()));
    expect(failure.type).toBe('Agent.RateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeGreaterThan(35_000);
    expect(failure.nextRetryDelay).toBeLessThanOrEqual(43_000);
    expect(failure.message).toContain('API rate limit exceeded');
  });

  it('403 with retry-after (a secondary rate limit) waits that long; a plain 403 is an auth problem', async () => {
    github.reply(
      {
        status: 403,
        headers: { 'retry-after': '7' },
        body: { message: 'You have exceeded a secondary rate limit.' },
      },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    const limited = await failureOf(research(env, { query: 'temporal' }, await workspace()));
    expect(limited).toMatchObject({ type: 'Agent.RateLimited', nonRetryable: false, nextRetryDelay: 7000 });
    const denied = await failureOf(research(env, { query: 'temporal' }, await workspace()));
    expect(denied).toMatchObject({ type: 'Agent.AuthFailed', nonRetryable: true });
    expect(denied.message).toContain('GITHUB_TOKEN');
  });

  it('5xx is retryable', async () => {
    github.reply({ status: 502, body: { message: 'Server Error' } });
    const failure = await failureOf(research(env, { query: 'temporal' }, await workspace()));
    expect(failure).toMatchObject({ type: 'Agent.ProviderUnavailable', nonRetryable: false });
  });
});

describe('research offline', () => {
  it('without GITHUB_TOKEN, searches the workspace and the templates and says so', async () => {
    const dir = await workspace({
      'app/src/app.js': "import express from 'express';\nexport const app = express();\n",
      'docs/NOTES.md': 'Nothing relevant here.\n',
      '.git/config': 'express express express\n',
    });
    const result = await research({}, { query: 'Express', limit: 5 }, dir);
    expect(result.source).toBe('offline');
    const names = result.results.map((r) => r.name);
    expect(names).toContain('app/src/app.js');
    expect(names).toContain('baton:templates/node-express-api.yaml');
    expect(names).not.toContain('docs/NOTES.md');
    expect(names.some((name) => name.startsWith('.git'))).toBe(false);
    const app = result.results.find((r) => r.name === 'app/src/app.js');
    expect(app).toMatchObject({ stars: 0, description: "import express from 'express';" });
    expect(app?.matches).toBeGreaterThanOrEqual(3);
    const report = await readFile(path.join(dir, 'research/results.md'), 'utf8');
    expect(report).toContain('Source: offline. GITHUB_TOKEN is not set');

    // Deterministic: the same workspace gives the same answer.
    expect(await research({}, { query: 'Express', limit: 5 }, dir)).toEqual(result);
  });

  it('rejects an empty query', async () => {
    await expect(research({}, { query: '  ' }, await workspace())).rejects.toMatchObject({
      type: 'Agent.BadInput',
      nonRetryable: true,
    });
  });
});

describe('retryAfterMs with GitHub headers', () => {
  it('prefers retry-after, then x-ratelimit-reset', () => {
    const now = 1_700_000_000_000;
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 60) }), now)).toBe(60_000);
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now / 1000 - 5) }), now)).toBe(1000);
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});
