import { readFile } from 'node:fs/promises';
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
import { runTemplate, tempWorkspace, type Json } from '../helpers/template-run';
import { makeUserRepo } from '../helpers/user-repo';

const shared = useWorker({ prefix: 'issue-tpl', agents: builtinAgents() });
const agent = (name: string) => builtinAgents().find((a) => a.name === name)!;

const ISSUE = {
  number: 7,
  title: 'Add a books API',
  body: 'Members browse books (title, isbn) and tests cover it.',
  html_url: 'https://github.com/acme/library/issues/7',
  labels: [{ name: 'baton' }],
  user: { login: 'ada' },
};

afterEach(() => void vi.unstubAllEnvs());

describe('issue-analysis template', () => {
  it('offline from a local issue JSON file: analysis, plan.md at the gate, then the implementation', async () => {
    const repo = await makeUserRepo({ 'issues/7.json': JSON.stringify(ISSUE) });
    const { workflowId } = await startRun(shared.baton, {
      template: 'issue-analysis',
      params: { issueFile: 'issues/7.json', implement: true },
      repo: repo.dir,
    });
    await waitForGate(shared.baton, workflowId, 'plan');
    const gate = (await queryStatus(shared.baton, workflowId)).gates.find((g) => g.phase === 'plan') as Json;
    expect(gate.output.planPath).toBe('plan.md');
    expect(gate.output.steps.map((s: Json) => s.title)).toEqual(
      expect.arrayContaining(['Confirm the scope', 'Implement books', 'Test it']),
    );
    await createApi({ baton: shared.baton }).decide({
      id: workflowId,
      decision: { phase: 'plan', action: 'approve', by: 'ada' },
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state, summary.reason).toBe('completed');
    expect(summary.outputs.issue).toMatchObject({
      source: 'file',
      title: 'Add a books API',
      number: '7',
      labels: ['baton'],
      author: 'ada',
    });
    expect(summary.outputs.requirements).toMatchObject({ resource: 'books' });
    const implement = summary.outputs.implement as Json;
    expect(implement.skipped).toBe(false);
    expect(implement.files).toEqual(expect.arrayContaining(['app/src/api/books.js']));
  }, 60_000);

  it('without implement, stops at the plan: plan.md has numbered steps and the implementation is skipped by its when', async () => {
    const { workflowId } = await startRun(shared.baton, {
      template: 'issue-analysis',
      params: { title: 'Add a loans API', body: 'loans link books to members' },
      approvalMode: 'auto',
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state, summary.reason).toBe('completed');
    expect(summary.outputs.issue).toMatchObject({ source: 'params' });
    const implement = summary.phases.find((p) => p.id === 'implement')!;
    expect(implement.state).toBe('skipped');
    expect(implement.skipReason).toMatch(/params\.implement/);
    const dir = await tempWorkspace('baton-issue-');
    const outputs = await runTemplate(
      'issue-analysis',
      { title: 'Add a loans API', body: 'loans link books to members' },
      dir,
    );
    expect(outputs.plan.planPath).toBe('plan.md');
    const plan = await readFile(path.join(dir, 'plan.md'), 'utf8');
    expect(plan).toMatch(/^# Plan: Add a loans API\n\n1\. \*\*Confirm the scope\*\*/);
    // The agent on its own: disabled, it records that it was skipped and writes nothing.
    expect(
      await agent('issue-implement').run(
        { enabled: false, feature: 'x', resource: 'loans', dir: 'app' },
        agentContext(dir),
      ),
    ).toEqual({
      skipped: true,
      reason: expect.stringMatching(/implement is false/),
      files: [],
    });
  }, 60_000);

  it('reads the issue from the GitHub API with a token (fake GitHub over HTTP), and names a missing one', async () => {
    const fake = await startFakeGitHub({ owner: 'acme', repo: 'library' });
    try {
      fake.issues[7] = ISSUE;
      vi.stubEnv('GITHUB_TOKEN', fake.token);
      vi.stubEnv('GITHUB_API_URL', fake.url);
      const dir = await tempWorkspace('baton-issue-gh-');
      const out = await agent('issue-source').run(
        { repository: 'acme/library', number: '7', title: '', body: '', url: '', issueFile: '' },
        agentContext(dir),
      );
      expect(out).toMatchObject({
        source: 'github',
        title: 'Add a books API',
        url: ISSUE.html_url,
        repository: 'acme/library',
      });
      expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/repos/acme/library/issues/7' });
      expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${fake.token}`);
      const missing = await failureOf(
        agent('issue-source').run(
          { repository: 'acme/library', number: '8', title: '', body: '', url: '', issueFile: '' },
          agentContext(dir),
        ),
      );
      expect(missing.message).toMatch(/404.*check repository and number/);
      expect(missing.message).not.toContain(fake.token);
    } finally {
      await fake.close();
    }
  });

  it('plans with the LLM when configured (fake OpenAI over HTTP)', async () => {
    const fake = await startFakeOpenAI();
    try {
      const dir = await tempWorkspace('baton-plan-llm-');
      const env = { OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'fake-planner-1' };
      const llm = createLlm(await loadConfig({ env, cwd: dir }), { env });
      fake.reply(
        chatCompletion(
          JSON.stringify({
            steps: [
              { title: 'Model books', detail: 'title and isbn' },
              { title: 'Route /books', detail: 'list and create' },
            ],
          }),
        ),
      );
      const out = (await agent('issue-plan').run(
        agent('issue-plan').input.parse({ title: 'Add a books API', criteria: ['books can be listed'] }),
        agentContext(dir, { llm }),
      )) as Json;
      expect(out.llm).toBe(true);
      expect(await readFile(path.join(dir, 'plan.md'), 'utf8')).toContain(
        '2. **Route /books**: list and create',
      );
      expect(fake.requests[0]!.text).toContain('books can be listed');
    } finally {
      await fake.close();
    }
  });

  it('refuses bad inputs: a non-boolean implement, an issue file that is missing or not an issue', async () => {
    await expect(
      startRun(shared.baton, { template: 'issue-analysis', params: { implement: 'yes' } }),
    ).rejects.toThrow(/implement/);
    const dir = await tempWorkspace('baton-issue-bad-');
    const source = agent('issue-source');
    const input = (issueFile: string) => source.input.parse({ issueFile });
    expect((await failureOf(source.run(input('nope.json'), agentContext(dir)))).message).toMatch(
      /issueFile "nope.json" is not a readable text file/,
    );
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(path.join(dir, 'x.json'), '{"body":"no title"}'),
    );
    expect((await failureOf(source.run(input('x.json'), agentContext(dir)))).message).toMatch(
      /issueFile "x.json": title/,
    );
    expect((await failureOf(source.run(input('../x.json'), agentContext(dir)))).message).toMatch(
      /leaves the workspace/,
    );
  });
});
