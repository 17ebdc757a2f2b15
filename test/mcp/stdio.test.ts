/** `baton mcp` as a process, driven by the SDK's own client over stdio, against a real worker. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { uniqueId, useWorker } from '../helpers/env';
import { PATH_WITHOUT_BATON } from '../client/cli-helpers';
import { approvalFlow, badInput, dispatchFlow, refusedFlow } from './mcp-helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const shared = useWorker({ prefix: 'mcp-stdio', agents: builtinAgents() });
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** `baton mcp` as `user`, as an editor starts it. */
async function session(user: string) {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: PATH_WITHOUT_BATON,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    BATON_TASK_QUEUE: shared.taskQueue,
    BATON_ARTIFACTS_DIR: join(shared.workspaceRoot, '.artifacts'),
    BATON_USER: user,
  };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'src/client/bin.ts'), 'mcp'],
    env,
    cwd: ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'baton-test', version: '1.0.0' });
  clients.push(client);
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('baton mcp (stdio)', () => {
  it('starts a run, lists its gate, approves it idempotently, and the run moves on', async () => {
    const { client, stderr } = await session('carol');
    expect(client.getServerVersion()?.name).toBe('baton');
    await approvalFlow(client, uniqueId('mcp-stdio-flow'), 'carol');
    // Logs go to stderr, so stdout stays MCP only (the client parsed every line).
    expect(stderr()).toContain('serving MCP on stdio as carol');
  });

  it('dispatches a request and decides its plan gate', async () => {
    const { client } = await session('carol');
    await dispatchFlow(client, uniqueId('mcp-stdio-dispatch'));
  });

  it('answers bad tool input with an error naming the field, the value and the fix', async () => {
    const { client } = await session('carol');
    await badInput(client);
  });

  it('refuses a person who is not an approver of the gate', async () => {
    const { client } = await session('bob');
    await refusedFlow(client, uniqueId('mcp-stdio-refused'), 'bob', 'alice');
  });
});
