/** The agents, definitions and params `record-histories` records runs of. */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { defineAgent } from '../activities/agents/agent';
import type { BatonConfig } from '../config';
import type { DefinitionInput } from '../shared/definition';
/** Stands in for an LLM agent: records token usage, so budgets apply. */
export const spendAgent = defineAgent({
  name: 'spend',
  description: 'records token usage',
  input: z.object({ tokens: z.number() }),
  output: z.object({ spent: z.number() }),
  async run({ tokens }, ctx) {
    ctx.recordUsage({ model: 'recorded-model', inputTokens: tokens, outputTokens: 0 });
    return { spent: tokens };
  },
});

/** Writes one file in its worktree: parallel phases using it merge into main. */
export const noteAgent = defineAgent({
  name: 'note',
  description: 'writes a file',
  input: z.object({ file: z.string() }),
  output: z.object({ wrote: z.string() }),
  async run({ file }, ctx) {
    await writeFile(join(ctx.workspace, file), `${ctx.phase}\n`);
    return { wrote: file };
  },
});

/** A two-phase definition whose run budget is already spent, so its budget gate opens. */
export const budgeted = {
  name: 'budgeted',
  budget: { tokens: 1 },
  phases: [
    { id: 'first', agent: 'spend', input: { tokens: 5 } },
    { id: 'second', agent: 'spend', needs: ['first'], input: { tokens: 5 } },
  ],
};

/** Two independent phases, then one that needs both: a fast-forward, a merge commit, a gate. */
export const parallel = {
  name: 'parallel-merge',
  phases: [
    { id: 'left', agent: 'note', input: { file: 'left.txt' } },
    { id: 'right', agent: 'note', input: { file: 'right.txt' } },
    { id: 'join', agent: 'note', needs: ['left', 'right'], input: { file: 'join.txt' }, approval: true },
  ],
};

/** Writes the given content to a file in its worktree: parallel tasks using it can conflict. */
export const putAgent = defineAgent({
  name: 'put',
  description: 'writes a file with the given content',
  input: z.object({ file: z.string(), content: z.string() }),
  output: z.object({ wrote: z.string() }),
  async run({ file, content }, ctx) {
    await writeFile(join(ctx.workspace, file), content);
    return { wrote: file };
  },
});

/**
 * A parallel phase whose task `a` has a gate of its own and whose tasks `a` and `b` change the same
 * line: the merge queue opens a conflict gate, settled by a modify that picks b's side.
 */
export const parallelConflict = {
  name: 'parallel-conflict',
  phases: [
    { id: 'seed', agent: 'put', input: { file: 'shared.txt', content: 'x\n' } },
    {
      id: 'work',
      needs: ['seed'],
      parallel: {
        tasks: [
          { id: 'a', agent: 'put', input: { file: 'shared.txt', content: 'a\n' }, approval: true },
          { id: 'b', agent: 'put', input: { file: 'shared.txt', content: 'b\n' } },
          { id: 'c', agent: 'put', input: { file: 'c.txt', content: 'c\n' }, locks: ['record-lock'] },
        ],
      },
      merge: { verify: { agent: 'put', input: { file: 'verified.txt', content: 'ok\n' } } },
    },
  ],
};

export const governed: DefinitionInput = {
  name: 'governed',
  phases: [
    {
      id: 'spec',
      agent: 'note',
      input: { file: 'spec.txt' },
      approval: { approvers: { roles: ['lead'] }, minApprovals: 2, remind: '1s' },
    },
    {
      id: 'review',
      agent: 'note',
      needs: ['spec'],
      input: { file: 'review.txt' },
      approval: { autoApprove: { when: 'phases.review.output.wrote == "review.txt"' } },
    },
    {
      id: 'ship',
      agent: 'note',
      needs: ['review'],
      input: { file: 'ship.txt' },
      approval: {
        approvers: { users: ['recorder'] },
        escalate: { after: '100ms', to: { roles: ['director'] } },
      },
    },
  ],
};

/** Writes a file, or fails for good while its input says `fail: true`: fallbacks and failure gates. */
export const failAgent = defineAgent({
  name: 'fail-on-demand',
  description: 'writes a file, or fails while input.fail is true',
  input: z.object({ file: z.string(), fail: z.boolean().default(false) }),
  output: z.object({ wrote: z.string() }),
  async run({ file, fail }, ctx) {
    if (fail) throw ApplicationFailure.nonRetryable(`asked to fail writing ${file}`, 'Recorded.Fail');
    await writeFile(join(ctx.workspace, file), `${ctx.phase}\n`);
    return { wrote: file };
  },
});

/**
 * Conditions and fallbacks (docs/conditions.md): a false `when`, a failure gate settled by a
 * modify, a fallback that runs (its output bound by a dependent) and one that is not needed.
 */
export const flow: DefinitionInput = {
  name: 'flow-conditions',
  params: { deploy: { type: 'boolean', default: false } },
  phases: [
    { id: 'build', agent: 'fail-on-demand', input: { file: 'build.txt' } },
    {
      id: 'deploy',
      agent: 'fail-on-demand',
      needs: ['build'],
      when: 'params.deploy',
      input: { file: 'deploy.txt' },
    },
    {
      id: 'tests',
      agent: 'fail-on-demand',
      needs: ['build'],
      input: { file: 'tests.txt', fail: true },
      retry: { maxAttempts: 1 },
      onFailure: 'gate',
    },
    {
      id: 'main',
      agent: 'fail-on-demand',
      needs: ['tests'],
      when: 'phases.tests.output.wrote == "tests.txt"',
      input: { file: 'main.txt', fail: true },
      retry: { maxAttempts: 1 },
      onFailure: 'backup',
    },
    { id: 'backup', agent: 'fail-on-demand', input: { file: 'backup.txt' } },
    {
      id: 'spare',
      agent: 'fail-on-demand',
      needs: ['build'],
      input: { file: 'spare.txt' },
      onFailure: 'unused',
    },
    { id: 'unused', agent: 'fail-on-demand', input: { file: 'unused.txt' } },
    {
      id: 'report',
      agent: 'fail-on-demand',
      needs: ['main', 'deploy', 'spare'],
      input: { file: 'report-${phases.main.output.wrote}' },
    },
  ],
};

/** Emits one message to its own run (messaging, issue 12): the wait phase after it takes it. */
export const emitSelfAgent = defineAgent({
  name: 'emit-self',
  description: 'emits a message to its own run',
  input: z.object({ channel: z.string(), payload: z.unknown() }),
  output: z.object({ emit: z.array(z.unknown()) }),
  async run({ channel, payload }, ctx) {
    return { emit: [{ to: ctx.workflowId, channel, payload }] };
  },
});

/** Messaging: an emit (the sendMessages activity, signal `message`), then a wait phase with a timeout. */
export const messaging: DefinitionInput = {
  name: 'messaging',
  phases: [
    { id: 'announce', agent: 'emit-self', input: { channel: 'news', payload: { n: 1 } } },
    { id: 'inbox', needs: ['announce'], waitFor: { channel: 'news', timeout: '1m' } },
    { id: 'use', agent: 'note', needs: ['inbox'], input: { file: 'got.txt' }, approval: true },
  ],
};

/** A config with nothing in it but what the recording sets. */
export const emptyConfig = (): BatonConfig => ({
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
});

/**
 * A loopback receiver that takes every notification, so the recorded runs carry their
 * `deliverNotification` activities (gate opened, reminders, escalations, the run's end).
 */
export async function startReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Params for the templates that have required ones. */
export const EXAMPLE_PARAMS: Record<string, Record<string, string>> = {
  'feature-parallel': { feature: 'Add a books API with a web page listing books, and tests' },
  'hybrid-feature': { feature: 'Add a books API with a web page listing books, and tests' },
  project: { feature: 'Add a books API with a web page listing books, and tests' },
};

/** Passes only once it got a previous iteration's outputs as feedback: a loop of two iterations. */
export const retryAgent = defineAgent({
  name: 'try-again',
  description: 'passes once it got feedback',
  input: z.object({ file: z.string(), feedback: z.unknown().optional() }),
  output: z.object({ ok: z.boolean() }),
  async run({ file, feedback }, ctx) {
    await writeFile(join(ctx.workspace, file), `${ctx.phase}\n`);
    return { ok: feedback !== undefined };
  },
});

/** Child pipelines and loops (issue 12): an inline child, then a loop that ends on iteration 2. */
export const children: DefinitionInput = {
  name: 'child-pipeline',
  phases: [
    { id: 'prep', agent: 'note', input: { file: 'prep.txt' } },
    {
      id: 'sub',
      needs: ['prep'],
      pipeline: {
        definition: { name: 'sub', phases: [{ id: 'inner', agent: 'note', input: { file: 'inner.txt' } }] },
      },
    },
    {
      id: 'fix',
      needs: ['sub'],
      loop: { phases: ['work'], until: 'phases.work.output.ok', maxIterations: 3 },
    },
    { id: 'work', agent: 'try-again', input: { file: 'work.txt' } },
    { id: 'after', agent: 'note', needs: ['fix'], input: { file: 'after.txt' }, approval: true },
  ],
};
