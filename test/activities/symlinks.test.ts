import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createResearchAgent } from '../../src/activities/agents/research';
import { reviewAgent } from '../../src/activities/agents/review/agent';
import type { Llm } from '../../src/activities/llm';
import { agentContext, failureOf } from '../helpers/agent-context';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A workspace and, beside it, an outside directory holding a "secret" the agents must not read. */
async function layout() {
  const base = await mkdtemp(path.join(os.tmpdir(), 'baton-symlinks-'));
  dirs.push(base);
  const workspace = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(workspace, 'app'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'config.js'), 'export const password = "hunter2hunter2zebra";\n');
  await writeFile(path.join(outside, 'types.ts'), 'export const zebraSecretName: number = 1;\n');
  await writeFile(path.join(workspace, 'app', 'ok.js'), 'export const ok = 1;\n');
  await symlink(path.join(outside, 'config.js'), path.join(workspace, 'app', 'config.js'));
  await symlink('/etc/passwd', path.join(workspace, 'app', 'passwd.js'));
  await symlink(outside, path.join(workspace, 'linked'));
  return { workspace, outside };
}

/** An LLM that records the prompts it is shown and finds nothing. */
function recordingLlm() {
  const prompts: string[] = [];
  const llm: Llm = {
    configured: () => true,
    model: () => ({ provider: 'fake', model: 'fake', setting: 'test' }),
    async generateObject<S extends z.ZodType>(request: { prompt: string; schema: S }) {
      prompts.push(request.prompt);
      return request.schema.parse({ findings: [] });
    },
  };
  return { llm, prompts };
}

describe('review and symlinks out of the workspace', () => {
  it('reports a linked file as not read, and keeps its bytes out of findings, the report and the LLM', async () => {
    const { workspace } = await layout();
    const { llm, prompts } = recordingLlm();
    const output = await reviewAgent.run(
      { files: ['app/ok.js', 'app/config.js', 'app/passwd.js'], maxLineLength: 120 },
      agentContext(workspace, { llm }),
    );
    const notRead = output.findings.filter((f) => f.rule === 'symlink-outside').map((f) => f.file);
    expect(notRead.sort()).toEqual(['app/config.js', 'app/passwd.js']);
    // The outside file holds a hard-coded password: a review that followed the link would flag it.
    expect(output.findings.some((f) => f.rule === 'hard-coded-secret')).toBe(false);
    const report = await readFile(path.join(workspace, output.reportPath), 'utf8');
    expect(report).not.toContain('hunter2');
    expect(report).not.toContain('root:');
    expect(JSON.parse(report).notRead).toEqual(['app/config.js', 'app/passwd.js']);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('app/ok.js');
    expect(prompts[0]).not.toContain('hunter2');
    expect(prompts[0]).not.toContain('root:');
  });

  it('refuses a dir that is a symlink out of the workspace', async () => {
    const { workspace } = await layout();
    const failure = await failureOf(
      reviewAgent.run({ dir: 'linked', maxLineLength: 120 }, agentContext(workspace)),
    );
    expect(failure.type).toBe('Agent.BadInput');
    expect(failure.message).toContain('dir "linked" is a symlink to a directory outside the workspace');
  });

  it('does not let the TypeScript compiler read an import through a link', async () => {
    const { workspace } = await layout();
    await writeFile(
      path.join(workspace, 'app', 'main.ts'),
      "import { zebraSecretName } from '../linked/types';\nexport const n: string = zebraSecretName;\n",
    );
    const output = await reviewAgent.run(
      { files: ['app/main.ts'], maxLineLength: 120 },
      agentContext(workspace),
    );
    // The module is not found (ts2307), so nothing from inside it (its type, number) reaches a message.
    const messages = output.findings.map((f) => `${f.rule}: ${f.message}`).join('\n');
    expect(messages).toContain('ts2307');
    expect(messages).not.toMatch(/type 'number'/);
  });
});

describe('research offline and symlinks out of the workspace', () => {
  it('searches files in the workspace only, never through a link', async () => {
    const { workspace } = await layout();
    await writeFile(path.join(workspace, 'notes.md'), 'the zebra plan\n');
    const research = createResearchAgent({ env: {}, templatesDir: path.join(workspace, 'no-templates') });
    const output = await research.run({ query: 'zebra', limit: 10 }, agentContext(workspace));
    expect(output.source).toBe('offline');
    expect(output.results.map((r) => r.name)).toEqual(['notes.md']);
    const report = await readFile(path.join(workspace, output.reportPath), 'utf8');
    expect(report).not.toContain('hunter2');
    expect(report).not.toContain('zebraSecretName');
  });
});
