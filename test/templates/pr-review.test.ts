import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createLlm } from '../../src/activities/llm';
import { createApi } from '../../src/client/api';
import { startRun, waitForResult } from '../../src/client/runs';
import { loadConfig } from '../../src/config';
import { agentContext, failureOf } from '../helpers/agent-context';
import { queryStatus, useWorker, waitForGate } from '../helpers/env';
import { startFakeGitHub } from '../helpers/fake-github';
import { chatCompletion, startFakeOpenAI } from '../helpers/fake-openai';
import type { Json } from '../helpers/template-run';
import { makeUserRepo, userGit } from '../helpers/user-repo';

const shared = useWorker({ prefix: 'pr-tpl', agents: builtinAgents() });
const agent = (name: string) => builtinAgents().find((a) => a.name === name)!;

afterEach(() => void vi.unstubAllEnvs());

/** Commits `files` on a new branch of `repo` from main, through a worktree, leaving the checkout alone. */
async function branchWith(repo: string, branch: string, files: Record<string, string>): Promise<void> {
  const tree = path.join(await mkdtemp(path.join(tmpdir(), 'baton-branch-')), 'wt');
  await userGit(repo, ['worktree', 'add', '-q', '-b', branch, tree, 'main']);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
    await writeFile(path.join(tree, file), text);
  }
  await userGit(tree, ['add', '-A']);
  await userGit(tree, ['commit', '-q', '-m', `work on ${branch}`]);
}

const LOGIN = [
  'export function login(user, password) {',
  '  // TODO: rate limit',
  '  console.log("login", user);',
  '  return eval(password);',
  '}',
  '',
].join('\n');

describe('pr-review template', () => {
  it('reviews a local branch diff on --repo: file:line findings and a request-changes verdict at the gate', async () => {
    const repo = await makeUserRepo();
    await branchWith(repo.dir, 'feature/login', { 'src/login.js': LOGIN });
    const { workflowId } = await startRun(shared.baton, {
      template: 'pr-review',
      params: { base: 'main', head: 'feature/login', title: 'Add login' },
      repo: repo.dir,
    });
    await waitForGate(shared.baton, workflowId, 'verdict');
    const gate = (await queryStatus(shared.baton, workflowId)).gates.find(
      (g) => g.phase === 'verdict',
    ) as Json;
    expect(gate.output.verdict).toBe('request-changes');
    expect(gate.output.summary).toMatch(
      /^Request changes on "Add login": 1 blocking finding\(s\), first eval at src\/login\.js:4/,
    );
    expect(
      gate.output.findings.map((f: Json) => `${f.severity} ${f.rule} ${f.file}:${f.line ?? ''}`),
    ).toEqual([
      'error eval src/login.js:4',
      'warning no-tests src/login.js:',
      'info todo src/login.js:2',
      'info console-log src/login.js:3',
    ]);
    await createApi({ baton: shared.baton }).decide({
      id: workflowId,
      decision: { phase: 'verdict', action: 'approve', by: 'reviewer' },
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.outputs.diff).toMatchObject({
      source: 'git',
      files: [{ file: 'src/login.js', status: 'A', added: 5 }],
    });
  }, 60_000);

  it('approves a clean change with its tests', async () => {
    const repo = await makeUserRepo();
    await branchWith(repo.dir, 'tidy', {
      'src/sum.js': 'export const sum = (a, b) => a + b;\n',
      'test/sum.test.js': "import { sum } from '../src/sum.js';\n",
    });
    const diff = (await agent('diff-review').run(
      agent('diff-review').input.parse({ base: 'main', head: 'tidy' }),
      agentContext(repo.dir),
    )) as Json;
    expect(diff.findings).toEqual([]);
    const verdict = (await agent('pr-verdict').run(
      agent('pr-verdict').input.parse({
        findings: diff.findings,
        files: diff.files,
        diffSource: 'git',
        reviewErrors: 2,
      }),
      agentContext(repo.dir),
    )) as Json;
    expect(verdict.verdict).toBe('approve');
    expect(verdict.summary).toMatch(
      /2 file\(s\) changed, no blocking findings.*found 2 error\(s\) outside the change/,
    );
    expect(await readFile(path.join(repo.dir, 'reports/verdict.md'), 'utf8')).toMatch(/^# Verdict: approve/);
  });

  it("reviews a pull request's files from the GitHub API with a token (fake GitHub over HTTP)", async () => {
    const fake = await startFakeGitHub({ owner: 'acme', repo: 'library' });
    try {
      fake.pullFiles[3] = [
        {
          filename: 'src/app.js',
          status: 'modified',
          patch: '@@ -10,2 +10,3 @@ export\n keep();\n+debugger;\n context();',
        },
      ];
      vi.stubEnv('GITHUB_TOKEN', fake.token);
      vi.stubEnv('GITHUB_API_URL', fake.url);
      const dir = await mkdtemp(path.join(tmpdir(), 'baton-pr-gh-'));
      const out = (await agent('diff-review').run(
        agent('diff-review').input.parse({ repository: 'acme/library', number: '3' }),
        agentContext(dir),
      )) as Json;
      expect(fake.requests.at(-1)!.path).toBe('/repos/acme/library/pulls/3/files?per_page=100');
      expect(out.source).toBe('github');
      expect(out.findings).toContainEqual(
        expect.objectContaining({ rule: 'debugger', file: 'src/app.js', line: 11, severity: 'warning' }),
      );
    } finally {
      await fake.close();
    }
  });

  it('adds the LLM findings when configured (fake OpenAI over HTTP)', async () => {
    const repo = await makeUserRepo();
    await branchWith(repo.dir, 'feature/x', {
      'src/x.js': 'export const x = (q) => db.query("SELECT * FROM t WHERE id=" + q);\n',
    });
    const fake = await startFakeOpenAI();
    try {
      const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'fake-reviewer-1' };
      const llm = createLlm(await loadConfig({ env, cwd: repo.dir }), { env });
      fake.reply(
        chatCompletion(
          JSON.stringify({
            findings: [{ file: 'src/x.js', line: 1, severity: 'error', message: 'SQL injection' }],
          }),
        ),
      );
      const out = (await agent('diff-review').run(
        agent('diff-review').input.parse({ base: 'main', head: 'feature/x' }),
        agentContext(repo.dir, { llm }),
      )) as Json;
      expect(out.llm).toBe(true);
      expect(out.findings).toContainEqual({
        file: 'src/x.js',
        line: 1,
        severity: 'error',
        message: 'SQL injection',
        rule: 'llm',
      });
      expect(fake.requests[0]!.text).toContain('SELECT * FROM t');
    } finally {
      await fake.close();
    }
  });

  it('refuses bad inputs: head without base, a base that names nothing, a ref that looks like an option', async () => {
    const repo = await makeUserRepo();
    const review = agent('diff-review');
    const run = (input: object) => failureOf(review.run(review.input.parse(input), agentContext(repo.dir)));
    expect((await run({ head: 'main' })).message).toMatch(/head is given without base/);
    expect((await run({ base: 'nope' })).message).toMatch(
      /base "nope" names no branch or commit.*branches: main/,
    );
    await expect(
      startRun(shared.baton, { template: 'pr-review', params: { base: '--output=x' } }),
    ).rejects.toThrow(/base/);
  });
});
