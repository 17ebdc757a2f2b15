import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createActivities,
  type Activities,
  type RunAgentInput,
  type RunAgentResult,
} from '../../src/activities';
import { defineAgent } from '../../src/activities/agents/agent';
import { createArtifactStore, INLINE_LIMIT_BYTES, SYMLINK_MEDIA_TYPE } from '../../src/store/artifacts';

/** Writes a file and counts its runs in a file outside the workspace: a side effect to not repeat. */
function countingAgent(counter: string) {
  return defineAgent({
    name: 'writer',
    description: 'writes notes.md and counts its runs',
    input: z.object({ text: z.string(), big: z.boolean().default(false) }),
    output: z.object({ file: z.string(), padding: z.string().optional() }),
    async run({ text, big }, ctx) {
      const runs = Number(await readFile(counter, 'utf8').catch(() => '0')) + 1;
      await writeFile(counter, String(runs));
      await writeFile(join(ctx.workspace, 'notes.md'), `${text}\n`);
      ctx.recordUsage({ model: 'm', inputTokens: 3, outputTokens: 4, costUsd: 0.001 });
      return { file: 'notes.md', padding: big ? 'x'.repeat(INLINE_LIMIT_BYTES + 10) : undefined };
    },
  });
}

/** Runs runAgent as the given activity attempt, in a mock activity context. */
function attempt(n: number, activities: Activities, input: RunAgentInput): Promise<RunAgentResult> {
  return new MockActivityEnvironment({ attempt: n }).run(activities.runAgent, input);
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'baton-run-agent-'));
  const counter = join(dir, 'runs.txt');
  const store = createArtifactStore(join(dir, 'artifacts'));
  const activities = createActivities({
    agents: [countingAgent(counter)],
    workspaceRoot: join(dir, 'ws'),
    artifacts: store,
  });
  return { dir, counter, store, activities };
}

const request = (run = 1, input: object = { text: 'hello' }) => ({
  workflowId: 'wf-1',
  runId: 'r-1',
  phase: 'notes',
  agent: 'writer',
  input,
  run,
});

describe('runAgent', () => {
  it('commits the phase, returns changed files as artifacts, and sums usage', async () => {
    const { dir, store, activities } = await setup();
    const result = await attempt(1, activities, request());
    expect(result.output).toEqual({ file: 'notes.md' });
    expect(result.usage).toEqual({
      inputTokens: 3,
      outputTokens: 4,
      costUsd: 0.001,
      calls: 1,
      costKnown: true,
    });
    const notes = result.artifacts.find((a) => a.name === 'notes.md')!;
    expect(notes).toMatchObject({ bytes: 6, mediaType: 'text/markdown' });
    expect((await store.get(notes.uri)).toString()).toBe('hello\n');
    const log = execFileSync('git', ['log', '-1', '--format=%H%n%B'], {
      cwd: join(dir, 'ws', 'wf-1', 'r-1'),
    }).toString();
    expect(log).toContain(result.commit);
    expect(log).toContain('baton: notes (writer), run 1, attempt 1');
    expect(log).toContain('Baton-Key: wf-1/r-1/notes/1');
  });

  it('does not repeat side effects when retried after the work was committed', async () => {
    const { counter, activities } = await setup();
    const first = await attempt(1, activities, request());
    // The worker "crashed" before reporting: Temporal retries the same run of the phase as attempt 2.
    const retried = await attempt(2, activities, request());
    expect(await readFile(counter, 'utf8')).toBe('1');
    expect(retried).toMatchObject({
      replayed: true,
      attempt: 2,
      commit: first.commit,
      output: { file: 'notes.md' },
      usage: first.usage,
    });
    expect(retried.artifacts).toEqual(first.artifacts);
    // A new run of the phase (a gate's retry) does run again.
    await attempt(1, activities, request(2, { text: 'again' }));
    expect(await readFile(counter, 'utf8')).toBe('2');
  });

  it('redoes the work for a new workflow run with the same id, and never mistakes run 1 for run 10', async () => {
    const { counter, activities } = await setup();
    await attempt(1, activities, request(1));
    await attempt(1, activities, { ...request(1), runId: 'r-2' });
    expect(await readFile(counter, 'utf8')).toBe('2');
    await attempt(1, activities, request(10, { text: 'tenth' }));
    expect(await readFile(counter, 'utf8')).toBe('3');
    const again = await attempt(2, activities, request(1));
    expect(again.replayed).toBe(true);
    expect(await readFile(counter, 'utf8')).toBe('3');
  });

  it('stores binary files byte for byte', async () => {
    const { store, dir } = await setup();
    const bytes = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0xff, 0x80, 0x7f]);
    const binary = defineAgent({
      name: 'binary',
      description: 'writes a class file',
      input: z.object({}),
      output: z.object({}),
      async run(_input, ctx) {
        await writeFile(join(ctx.workspace, 'X.class'), bytes);
        return {};
      },
    });
    const activities = createActivities({
      agents: [binary],
      workspaceRoot: join(dir, 'ws2'),
      artifacts: store,
    });
    const result = await attempt(1, activities, { ...request(1, {}), agent: 'binary' });
    const ref = result.artifacts.find((a) => a.name === 'X.class')!;
    expect(ref.bytes).toBe(8);
    expect(Buffer.compare(await store.get(ref.uri), bytes)).toBe(0);
  });

  it('keeps API keys from the environment out of outputs and text artifacts', async () => {
    const { store, dir } = await setup();
    const secret = 'sk-test-0123456789abcdef';
    process.env.OPENAI_API_KEY = secret;
    try {
      const leaky = defineAgent({
        name: 'leaky',
        description: 'echoes the environment',
        input: z.object({}),
        output: z.object({ said: z.string() }),
        async run(_input, ctx) {
          await ctx.saveArtifact({ name: 'log.txt', content: `key=${secret}` });
          return { said: `using ${secret}` };
        },
      });
      const activities = createActivities({
        agents: [leaky],
        workspaceRoot: join(dir, 'ws3'),
        artifacts: store,
      });
      const result = await attempt(1, activities, { ...request(1, {}), agent: 'leaky' });
      expect(result.output).toEqual({ said: 'using [redacted]' });
      const log = result.artifacts.find((a) => a.name === 'log.txt')!;
      expect((await store.get(log.uri)).toString()).toBe('key=[redacted]');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it('keeps a large output out of history, as an artifact', async () => {
    const { store, activities } = await setup();
    const result = await attempt(1, activities, request(1, { text: 'x', big: true }));
    const kept = result.output as { $artifact: { uri: string; bytes: number } };
    expect(JSON.stringify(result).length).toBeLessThan(INLINE_LIMIT_BYTES);
    expect(kept.$artifact.bytes).toBeGreaterThan(INLINE_LIMIT_BYTES);
    expect(JSON.parse((await store.get(kept.$artifact.uri)).toString()).padding).toHaveLength(
      INLINE_LIMIT_BYTES + 10,
    );
  });

  it('refuses bad input non-retryably, naming the field', async () => {
    const { activities } = await setup();
    const error = await attempt(1, activities, request(1, { text: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'Agent.BadInput', nonRetryable: true });
    expect((error as Error).message).toContain('text: Invalid input: expected string, received number');
  });

  it('stores a changed symlink as its link text, never its target', async () => {
    const { store, dir } = await setup();
    const outside = join(dir, 'outside-secret.txt');
    await writeFile(outside, 'the secret bytes\n');
    const linker = defineAgent({
      name: 'linker',
      description: 'plants symlinks out of the workspace',
      input: z.object({}),
      output: z.object({}),
      async run(_input, ctx) {
        await symlink('/etc/passwd', join(ctx.workspace, 'passwd'));
        await symlink(outside, join(ctx.workspace, 'secret.txt'));
        // A nested repository is committed as a gitlink: nothing to store, and no failure.
        await mkdir(join(ctx.workspace, 'nested'));
        execFileSync('git', ['init', '-q'], { cwd: join(ctx.workspace, 'nested') });
        execFileSync(
          'git',
          ['-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'x'],
          { cwd: join(ctx.workspace, 'nested') },
        );
        await writeFile(join(ctx.workspace, 'real.txt'), 'real\n');
        return {};
      },
    });
    const activities = createActivities({
      agents: [linker],
      workspaceRoot: join(dir, 'ws4'),
      artifacts: store,
    });
    const result = await attempt(1, activities, { ...request(1, {}), agent: 'linker' });
    const byName = Object.fromEntries(result.artifacts.map((a) => [a.name, a]));
    expect(Object.keys(byName).sort()).toEqual(['passwd', 'real.txt', 'secret.txt']);
    expect(byName.passwd!.mediaType).toBe(SYMLINK_MEDIA_TYPE);
    expect((await store.get(byName.passwd!.uri)).toString()).toBe('/etc/passwd');
    expect(byName['secret.txt']!.mediaType).toBe(SYMLINK_MEDIA_TYPE);
    expect((await store.get(byName['secret.txt']!.uri)).toString()).toBe(outside);
    expect((await store.get(byName['real.txt']!.uri)).toString()).toBe('real\n');
    // A retry that finds the commit stores the same refs, again without following the links.
    const again = await attempt(2, activities, { ...request(1, {}), agent: 'linker' });
    expect(again.replayed).toBe(true);
    expect(again.artifacts).toEqual(result.artifacts);
  });
});
