/**
 * What gate governance and encryption cost a decision: approval signal sent → next phase's agent
 * started, on a gate open to anyone (the baseline, which still computes its digest and writes its
 * audit records), on a gate with approvers and a signed decision (one more local activity: the
 * signature check), and with the AES-256-GCM payload codec on every payload. Rounds alternate
 * between the three, on one private dev server; figures are medians and ratios within this run.
 * `npm run bench:governance`; BENCH_ROUNDS (default 30).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../src/activities';
import { defineAgent } from '../src/activities/agents/agent';
import { connect, decide, startRun, waitForResult, type Baton } from '../src/client/runs';
import { payloadCodecsFromEnv } from '../src/codec';
import type { BatonConfig } from '../src/config';
import { freePort } from '../src/dev/net';
import { ensureServer } from '../src/dev/server';
import type { DefinitionInput } from '../src/shared/definition';
import { workflowBundle } from '../src/workers/bundle';
import { count } from './env';

Runtime.install({ logger: new DefaultLogger('WARN') });
const ROUNDS = count('BENCH_ROUNDS', 30, 1);

const agentStarts = new Map<string, number>();
const noop = defineAgent({
  name: 'noop',
  description: 'does nothing, at once',
  input: z.object({}).passthrough(),
  output: z.object({ ok: z.boolean() }),
  async run(_input, ctx) {
    agentStarts.set(`${ctx.workflowId}/${ctx.phase}`, performance.now());
    return { ok: true };
  },
});

const gated = (approval: Record<string, unknown> | true): DefinitionInput => ({
  name: 'bench-governance',
  phases: [
    { id: 'a', agent: 'noop', approval },
    { id: 'b', agent: 'noop', needs: ['a'] },
  ],
});
const emptyConfig = (): BatonConfig => ({ providers: {}, agents: {}, agentModelEnv: {}, commandAgents: {}, prices: {} });
const signingKey = { id: 'shared', key: randomBytes(24).toString('hex') };
process.env.BATON_DECISION_KEY = signingKey.key;
const codecKeys = `k1:${randomBytes(32).toString('base64')}`;

const dir = await mkdtemp(join(tmpdir(), 'baton-bench-gov-'));
const server = await ensureServer({ port: await freePort(), dbFile: join(dir, 'temporal.db'), headless: true });
const connection = await NativeConnection.connect({ address: server.address });
const bundle = await workflowBundle();

interface Variant {
  name: string;
  baton: Baton;
  worker: Worker;
  definition: DefinitionInput;
  sign: boolean;
  latencies: number[];
}

async function variant(name: string, options: { config?: BatonConfig; codec?: boolean; approval: Record<string, unknown> | true; sign?: boolean }): Promise<Variant> {
  const taskQueue = `bench-gov-${name}`;
  const payloadCodecs = options.codec ? payloadCodecsFromEnv({ BATON_CODEC_KEYS: codecKeys }) : [];
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: bundle,
    ...(payloadCodecs.length ? { dataConverter: { payloadCodecs } } : {}),
    activities: createActivities({
      agents: [noop],
      workspaceRoot: join(dir, name),
      ...(options.config ? { config: options.config } : {}),
    }),
  });
  const baton = await connect({ address: server.address, taskQueue, ...(payloadCodecs.length ? { payloadCodecs } : {}) });
  return { name, baton, worker, definition: gated(options.approval), sign: options.sign ?? false, latencies: [] };
}

const variants = [
  await variant('open gate', { approval: true }),
  await variant('approvers + signed', {
    config: { ...emptyConfig(), roles: { lead: ['alice'] }, security: { signedDecisions: true, decisionKeys: {} } },
    approval: { approvers: { roles: ['lead'] } },
    sign: true,
  }),
  await variant('codec on', { approval: true, codec: true }),
];

/** One run: waits for its gate, then times the decision until the next phase's agent starts. */
async function once(v: Variant): Promise<number> {
  const { workflowId } = await startRun(v.baton, { agents: ['noop'], definition: v.definition });
  for (;;) {
    const status = await v.baton.client.workflow.getHandle(workflowId).query<{ gates: unknown[] }>('status');
    if (status.gates.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const sent = performance.now();
  await decide(v.baton, workflowId, { phase: 'a', action: 'approve', by: 'alice' }, { confirm: false, signingKey: v.sign ? signingKey : null });
  await waitForResult(v.baton, workflowId);
  return (agentStarts.get(`${workflowId}/b`) as number) - sent;
}

const running = variants.map((v) => v.worker.run());
for (const v of variants) await once(v); // warm-up
for (let round = 0; round < ROUNDS; round++) for (const v of variants) v.latencies.push(await once(v));
for (const v of variants) v.worker.shutdown();
await Promise.all(running);
for (const v of variants) await v.baton.close();
await connection.close();
await server.stop();
await rm(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] as number;
const base = median(variants[0]!.latencies);
console.log(`decision → next phase started, ${ROUNDS} rounds each, alternating`);
console.log('variant               median    p95       ratio to open gate');
for (const v of variants) {
  const m = median(v.latencies);
  console.log(`${v.name.padEnd(22)}${m.toFixed(1).padStart(6)} ms ${p95(v.latencies).toFixed(1).padStart(6)} ms   ${(m / base).toFixed(2)}`);
}
