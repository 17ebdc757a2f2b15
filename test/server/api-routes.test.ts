/**
 * The REST API over real HTTP against a real dev server and worker: every route, its success and
 * its errors (400 naming fields, 401, 403, 404, 409 for a gate already decided), SSE, and a 503
 * from an API pointed at a closed port. The OpenAPI document validates and lists every route.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/client/api';
import type { BatonConfig } from '../../src/config';
import { freePort } from '../../src/dev/net';
import { mintToken } from '../../src/server/auth';
import { listen, type RunningServer } from '../../src/server/serve';
import { serverApp } from '../../src/server/server-app';
import { createArtifactStore } from '../../src/store/artifacts';
import { definition, useWorker, waitFor, waitForGate } from '../helpers/env';

const alice = mintToken();
const dave = mintToken();
const config: BatonConfig = {
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  roles: { lead: ['alice'] },
  security: { signedDecisions: false, decisionKeys: {} },
  notify: {},
  notifications: [],
  server: { users: { alice: { tokenSha256: alice.tokenSha256 }, dave: { tokenSha256: dave.tokenSha256 } } },
};
const shared = useWorker({ prefix: 'api-routes', config });
const servers: RunningServer[] = [];
let url: string;
let downUrl: string;
let artifactsDir: string;

beforeAll(async () => {
  artifactsDir = await mkdtemp(join(tmpdir(), 'baton-api-artifacts-'));
  process.env.BATON_ARTIFACTS_DIR = artifactsDir;
  const up = await listen({
    app: serverApp({ api: createApi({ baton: shared.baton }), config }).app,
    host: '127.0.0.1',
    port: 0,
  });
  // An API whose Temporal server is a closed port.
  const down = createApi({ address: `127.0.0.1:${await freePort()}` });
  const downServer = await listen({ app: serverApp({ api: down, config }).app, host: '127.0.0.1', port: 0 });
  servers.push(up, downServer);
  url = up.url;
  downUrl = downServer.url;
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

const as = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
});
const post = (path: string, body: unknown, token = alice.token) =>
  fetch(`${url}${path}`, as(token, { method: 'POST', body: JSON.stringify(body) }));
const get = (path: string, token = alice.token) => fetch(`${url}${path}`, as(token));
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

const gated = definition([
  { id: 'spec', agent: 'echo', input: { text: 'v1' }, approval: { approvers: { roles: ['lead'] } } },
  { id: 'build', agent: 'echo', needs: ['spec'], input: { text: 'b' } },
]);

async function startGated(): Promise<string> {
  const res = await post('/api/runs', { definition: gated });
  expect(res.status).toBe(201);
  const { workflowId } = (await res.json()) as { workflowId: string };
  await waitForGate(shared.baton, workflowId, 'spec');
  return workflowId;
}

describe('the REST API', { concurrent: true }, () => {
  it('starts a run, lists it (filters), shows it, and decides its gate as the user', async () => {
    const id = await startGated();
    const status = await json(await get(`/api/runs/${id}`));
    expect(status).toMatchObject({ state: 'waiting', gates: [{ id: 'spec#1', approverNames: ['alice'] }] });
    const waiting = (await (await get('/api/runs?state=waiting&has-open-gate=true&limit=100')).json()) as {
      workflowId: string;
    }[];
    expect(waiting.map((r) => r.workflowId)).toContain(id);
    const none = (await (await get('/api/runs?has-open-gate=false&limit=100')).json()) as {
      workflowId: string;
    }[];
    expect(none.map((r) => r.workflowId)).not.toContain(id);
    const inbox = (await (await get('/api/inbox')).json()) as { workflowId: string; phase: string }[];
    expect(inbox).toContainEqual(expect.objectContaining({ workflowId: id, phase: 'spec' }));

    const decided = await post(`/api/runs/${id}/decisions`, {
      gate: 'spec#1',
      action: 'approve',
      comment: 'fine',
    });
    expect(decided.status).toBe(201);
    expect(await decided.json()).toEqual({
      outcome: 'decided',
      gate: 'spec#1',
      phase: 'spec',
      action: 'approve',
      by: 'alice',
      signed: false,
    });
    const again = await post(`/api/runs/${id}/decisions`, { gate: 'spec#1', action: 'reject' });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({
      outcome: 'already-decided',
      gate: 'spec#1',
      decision: { by: 'alice', action: 'approve', comment: 'fine' },
      error: expect.stringMatching(/^gate spec#1 was already decided: approve by alice at /),
    });
  });

  it('refuses a non-approver with 403 naming the user, the gate and who may decide', async () => {
    const id = await startGated();
    const res = await post(`/api/runs/${id}/decisions`, { phase: 'spec', action: 'approve' }, dave.token);
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({
      error: 'dave may not decide gate spec#1: its approvers are alice',
      user: 'dave',
      gate: 'spec#1',
      approvers: ['alice'],
      hint: expect.any(String),
    });
  });

  it('answers bad bodies and queries with 400 listing each field, never a 500', async () => {
    const id = await startGated();
    const by = await post(`/api/runs/${id}/decisions`, { gate: 'spec#1', action: 'approve', by: 'mallory' });
    expect(by.status).toBe(400);
    expect(((await json(by)).problems as { field: string }[]).map((p) => p.field)).toEqual(['body']);
    const bad = await post(`/api/runs/${id}/decisions`, { action: 'ok', changes: 3 });
    expect(bad.status).toBe(400);
    const fields = ((await json(bad)).problems as { field: string; message: string }[]).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['action', 'changes']));
    const notJson = await fetch(`${url}/api/runs`, as(alice.token, { method: 'POST', body: '{nope' }));
    expect(notJson.status).toBe(400);
    expect(await json(notJson)).toMatchObject({
      problems: [{ field: 'body', message: expect.stringMatching(/not JSON/) }],
    });
    const both = await post('/api/runs', { template: 'x', definition: gated, repo: '/etc' });
    expect(((await json(both)).problems as { field: string }[]).map((p) => p.field)).toEqual(
      expect.arrayContaining(['body']),
    );
    const query = await get('/api/runs?state=sleeping&limit=0&colour=red');
    expect(query.status).toBe(400);
    const qFields = ((await json(query)).problems as { field: string }[]).map((p) => p.field);
    expect(qFields).toEqual(expect.arrayContaining(['state', 'limit']));
    const unknownTemplate = await post('/api/runs', { template: 'no-such-template' });
    expect(unknownTemplate.status).toBe(422);
    expect(await json(unknownTemplate)).toMatchObject({ error: expect.stringMatching(/no-such-template/) });
    const badSha = await get('/api/artifacts/abc');
    expect(badSha.status).toBe(400);
    expect(await json(badSha)).toMatchObject({
      problems: [{ field: 'sha256', message: expect.stringMatching(/64 lower-case hex/) }],
    });
  });

  it('answers 404 for an unknown run, gate or artifact', async () => {
    const run = await get('/api/runs/no-such-run-13');
    expect(run.status).toBe(404);
    expect(await json(run)).toMatchObject({
      error: expect.stringMatching(/No run with id "no-such-run-13"/),
      hint: expect.any(String),
    });
    const id = await startGated();
    const gate = await post(`/api/runs/${id}/decisions`, { gate: 'build#1', action: 'approve' });
    expect(gate.status).toBe(404);
    expect(await json(gate)).toMatchObject({ error: expect.stringMatching(/open gates: spec#1/) });
    expect((await get(`/api/artifacts/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await get('/api/nothing-here')).status).toBe(404);
  });

  it('answers 401 without a token for reads and writes', async () => {
    for (const res of [
      await fetch(`${url}/api/runs`),
      await fetch(`${url}/api/inbox`),
      await fetch(`${url}/api/runs`, { method: 'POST' }),
    ]) {
      expect(res.status).toBe(401);
      expect(await json(res)).toMatchObject({
        error: 'authentication required',
        hint: expect.stringMatching(/Bearer/),
      });
    }
  });

  it('serves templates and an artifact’s bytes as inert content', async () => {
    const templates = (await (await get('/api/templates')).json()) as { name: string }[];
    expect(templates.length).toBeGreaterThan(0);
    const ref = await createArtifactStore(artifactsDir).put({
      name: 'x.html',
      content: '<script>alert(1)</script>',
    });
    const res = await get(`/api/artifacts/${ref.sha256}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('<script>alert(1)</script>');
  });

  it('cancels a run', async () => {
    const id = await startGated();
    const res = await post(`/api/runs/${id}/cancel`, {});
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ cancelled: true, id });
    const after = await waitFor(
      async () => (await json(await get(`/api/runs/${id}`))).state,
      (state) => state === 'cancelled',
      20_000,
    );
    expect(after).toBe('cancelled');
  });

  it('streams the status over SSE as it changes, and ends when the run ends', async () => {
    const id = await startGated();
    const res = await get(`/api/runs/${id}/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const states: string[] = [];
    const read = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
        for (const m of value.matchAll(/^data: (.*)$/gm))
          states.push((JSON.parse(m[1]!) as { state: string }).state);
        if (states.length === 1)
          await post(`/api/runs/${id}/decisions`, { gate: 'spec#1', action: 'approve' });
      }
    };
    await read();
    expect(text).toMatch(/^event: status$/m);
    expect(states[0]).toBe('waiting');
    expect(states.at(-1)).toBe('completed');
    expect((await get(`/api/runs/no-such-run-13/events`)).status).toBe(404);
  });

  it('answers 503 with the hint when the Temporal server is down', async () => {
    const res = await fetch(`${downUrl}/api/runs`, as(alice.token));
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({
      error: expect.stringMatching(/Cannot reach a Temporal server at 127\.0\.0\.1:\d+/),
      hint: expect.stringMatching(/npm start/),
    });
    const decide = await fetch(
      `${downUrl}/api/runs/x/decisions`,
      as(alice.token, { method: 'POST', body: JSON.stringify({ phase: 'spec', action: 'approve' }) }),
    );
    expect(decide.status).toBe(503);
  });
});

describe('/api/openapi.json', () => {
  it('is public, validates as OpenAPI 3.1, and lists every route', async () => {
    const res = await fetch(`${url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /api/runs',
        'POST /api/runs',
        'GET /api/runs/{id}',
        'POST /api/runs/{id}/decisions',
        'POST /api/runs/{id}/cancel',
        'GET /api/runs/{id}/events',
        'GET /api/inbox',
        'GET /api/templates',
        'GET /api/artifacts/{sha256}',
        'GET /api/openapi.json',
      ].sort(),
    );
  });
});
