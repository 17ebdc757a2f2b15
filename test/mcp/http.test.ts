/**
 * /mcp on `baton serve`'s app (createApp with its token auth, listening on a free loopback port),
 * driven by the SDK's own client over Streamable HTTP, against a real worker.
 */
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createApi, type BatonApi } from '../../src/client/api';
import { startDispatch } from '../../src/client/dispatch';
import { mcpRoutes } from '../../src/mcp/http';
import { createApp } from '../../src/server/app';
import { createAuth, mintToken } from '../../src/server/auth';
import { listen, type RunningServer } from '../../src/server/serve';
import { uniqueId, useWorker } from '../helpers/env';
import { approvalFlow, badInput, dispatchFlow, refusedFlow } from './mcp-helpers';

const shared = useWorker({ prefix: 'mcp-http', agents: builtinAgents() });
const dave = mintToken();
const erin = mintToken();
const roles = { leads: ['dave'] };

let server: RunningServer;
let publicServer: RunningServer;
let api: BatonApi;
beforeAll(async () => {
  // The server reads artifacts from the worker's store, as `baton serve` next to a worker does.
  process.env.BATON_ARTIFACTS_DIR = join(shared.workspaceRoot, '.artifacts');
  api = createApi({ baton: shared.baton });
  const auth = createAuth({
    users: { dave: { tokenSha256: dave.tokenSha256 }, erin: { tokenSha256: erin.tokenSha256 } },
    roles,
  });
  const mcp = mcpRoutes({
    api,
    decide: { roles },
    dispatch: (options) => startDispatch(shared.baton, options),
  });
  server = await listen({ app: createApp({ auth, mcp }), host: '127.0.0.1', port: 0 });
  publicServer = await listen({
    app: createApp({ auth, mcp, publicRead: true }),
    host: '127.0.0.1',
    port: 0,
  });
});
afterAll(async () => {
  await server.close();
  await publicServer.close();
});

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function session(token: string) {
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'baton-test', version: '1.0.0' });
  clients.push(client);
  await client.connect(transport);
  return client;
}

describe('/mcp (Streamable HTTP)', () => {
  it("starts a run, lists its gate, approves it idempotently as the token's user, and the run moves on", async () => {
    await approvalFlow(await session(dave.token), uniqueId('mcp-http-flow'), 'dave');
  });

  it('dispatches a request and decides its plan gate', async () => {
    await dispatchFlow(await session(dave.token), uniqueId('mcp-http-dispatch'));
  });

  it('answers bad tool input with an error naming the field, the value and the fix', async () => {
    await badInput(await session(dave.token));
  });

  it('refuses a user who is not an approver of the gate', async () => {
    await refusedFlow(await session(erin.token), uniqueId('mcp-http-refused'), 'erin', 'dave');
  });

  it('answers 401 with a hint without a token, and with a wrong one', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: string; hint: string };
      expect(body.hint).toMatch(/Bearer/);
    }
    await expect(session('not-a-token')).rejects.toThrow();
  });

  it('needs a token even when the server serves reads without one (--public-read)', async () => {
    const response = await fetch(`${publicServer.url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await response.json()) as { error: string; hint: string };
    expect(body.error).toContain('MCP over HTTP needs a token');
    expect(body.hint).toContain('baton mcp');
  });
});
