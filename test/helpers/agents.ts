import { access, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineAgent, type Agent } from '../../src/activities/agents/agent';

/** Echoes its input and records that it ran, in the workspace. */
/** Does nothing, fast: a body phase for long loops. */
export const tickAgent = defineAgent({
  name: 'tick',
  description: 'does nothing, fast',
  input: z.object({}).passthrough(),
  output: z.object({ ok: z.boolean() }),
  run: async () => ({ ok: true }),
});

export const echoAgent = defineAgent({
  name: 'echo',
  description: 'returns its input',
  input: z.record(z.string(), z.unknown()),
  output: z.object({ echoed: z.record(z.string(), z.unknown()), phase: z.string() }),
  async run(input, ctx) {
    await writeFile(join(ctx.workspace, `${ctx.phase}.json`), JSON.stringify(input));
    return { echoed: input, phase: ctx.phase };
  },
});

/** Fails `failures` times per workflow and phase, then succeeds. */
export function flakyAgent(failures: number): Agent {
  const seen = new Map<string, number>();
  return defineAgent({
    name: 'flaky',
    description: `fails ${failures} times, then succeeds`,
    input: z.object({}).passthrough(),
    output: z.object({ succeededOnAttempt: z.number() }),
    async run(_input, ctx) {
      const key = `${ctx.workflowId}/${ctx.phase}`;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      if (count <= failures)
        throw ApplicationFailure.retryable(`planned failure ${count} of ${failures}`, 'Test.Flaky');
      return { succeededOnAttempt: ctx.attempt };
    },
  });
}

export const fatalAgent = defineAgent({
  name: 'fatal',
  description: 'always fails, non-retryably',
  input: z.object({}).passthrough(),
  output: z.object({}),
  async run() {
    throw ApplicationFailure.nonRetryable('the spec is contradictory', 'Agent.BadInput');
  },
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Marks itself started, then waits (heartbeating) until every peer has started too: two phases
 * using it can only finish if they really run at the same time.
 */
export const rendezvousAgent = defineAgent({
  name: 'rendezvous',
  description: 'waits until its peers have started',
  input: z.object({ peers: z.array(z.string()) }),
  output: z.object({ startedAt: z.number(), endedAt: z.number() }),
  async run({ peers }, ctx) {
    const startedAt = Date.now();
    // Outside the workspace: each phase works in its own worktree, so peers meet in a shared folder.
    const dir = join(tmpdir(), 'baton-rendezvous', encodeURIComponent(`${ctx.workflowId}/${ctx.runId}`));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, ctx.phase), String(startedAt));
    for (let i = 0; i < 200; i++) {
      const present = await Promise.all(peers.map((p) => exists(join(dir, p))));
      if (present.every(Boolean)) return { startedAt, endedAt: Date.now() };
      ctx.heartbeat({ waitingFor: peers });
      await new Promise((r) => setTimeout(r, 50));
    }
    throw ApplicationFailure.nonRetryable(`peers ${peers.join(', ')} never started`, 'Test.NoPeers');
  },
});

/** Waits, heartbeating, until the file `release` exists in the workspace; counts its starts. */
export const gatedAgent = defineAgent({
  name: 'hold',
  description: 'runs until released by a file',
  input: z.object({ release: z.string().default('release') }),
  output: z.object({ attempt: z.number() }),
  async run({ release }, ctx) {
    // Which worker process runs it, for tests that kill that one.
    await writeFile(join(ctx.workspace, `${ctx.phase}.started.${ctx.attempt}`), String(process.pid));
    while (!(await exists(join(ctx.workspace, release)))) {
      // Rethrow the activity's own cancellation, as a real agent should.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      ctx.heartbeat({ waiting: release });
      await new Promise((r) => setTimeout(r, 100));
    }
    return { attempt: ctx.attempt };
  },
});

/** Records LLM usage as if it had called a model. */
export const spendAgent = defineAgent({
  name: 'spend',
  description: 'records token usage',
  input: z.object({ tokens: z.number(), costUsd: z.number().optional() }),
  output: z.object({ spent: z.number() }),
  async run({ tokens, costUsd }, ctx) {
    ctx.recordUsage({
      model: 'fake-model',
      inputTokens: Math.ceil(tokens / 2),
      outputTokens: Math.floor(tokens / 2),
      costUsd,
    });
    return { spent: tokens };
  },
});

/** Takes a tone and a length, and nothing else (a plain object: unknown keys would be dropped). */
export const strictAgent = defineAgent({
  name: 'strict',
  description: 'takes a tone and a length',
  input: z.object({ tone: z.enum(['casual', 'formal']), length: z.number().int().default(3) }),
  output: z.object({ tone: z.string() }),
  run: async ({ tone }) => ({ tone }),
});

export const testAgents = (): Agent[] => [
  echoAgent,
  flakyAgent(2),
  fatalAgent,
  rendezvousAgent,
  gatedAgent,
  spendAgent,
];
