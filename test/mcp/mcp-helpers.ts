/**
 * The MCP flows both transports run, with the SDK's own client: list the tools, start a run, list
 * the pending approvals, read an artifact, approve, approve again (idempotent), see the run move
 * on; bad input; a non-approver refused.
 */
import type { Client } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { waitFor } from '../helpers/env';

export const TOOLS = [
  'dispatch',
  'get_artifact',
  'get_pending_approvals',
  'get_workflow_status',
  'get_workflow_templates',
  'handle_approval',
  'list_runs',
  'start_workflow',
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Json> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  expect(result.structuredContent).toBeDefined();
  return result.structuredContent as Json;
}

/** The text of an error result; fails if the call succeeded. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError, `${name} should fail: ${JSON.stringify(result.structuredContent)}`).toBe(true);
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A one-phase definition whose gate only `approver` may decide. */
export const guarded = (approver: string) => ({
  name: 'mcp-guarded',
  phases: [
    {
      id: 'spec',
      agent: 'api-spec',
      input: { requirements: 'todos (title)', service: '', resources: '' },
      approval: { approvers: { users: [approver] } },
    },
  ],
});

/** The whole approval flow of the issue, as `user`, on a run with id `id`. */
export async function approvalFlow(client: Client, id: string, user: string): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
  expect(tools.find((t) => t.name === 'handle_approval')?.outputSchema).toBeDefined();

  const { templates } = await call(client, 'get_workflow_templates', {});
  expect(templates.map((t: Json) => t.name)).toContain('node-express-api');

  const started = await call(client, 'start_workflow', {
    template: 'node-express-api',
    params: { requirements: 'todos (title, done)' },
    id,
    wait: true,
    waitSeconds: 90,
  });
  expect(started.workflowId).toBe(id);
  expect(started.firstGate).toMatchObject({ gate: 'spec#1', phase: 'spec' });
  expect(started.waited).toBe('gate');
  expect(started.status.openGates.map((g: Json) => g.gate)).toEqual(['spec#1']);

  const { runs } = await call(client, 'list_runs', { state: 'waiting', template: 'node-express-api' });
  expect(runs.map((r: Json) => r.workflowId)).toContain(id);

  const { approvals } = await call(client, 'get_pending_approvals', { id });
  expect(approvals).toHaveLength(1);
  const [pending] = approvals;
  expect(pending).toMatchObject({ workflowId: id, gate: 'spec#1', kind: 'approval', mayDecide: true });
  expect(pending.instructions).toContain('openapi.json');
  expect(pending.shows.output).toBeDefined();

  // Artifacts are resources: the spec phase's openapi.json, read both ways.
  const spec = pending.artifacts.find((a: Json) => String(a.name).endsWith('openapi.json'));
  expect(spec?.uri).toMatch(/^baton:\/\/artifacts\/[0-9a-f]{64}$/);
  const resource = await client.readResource({ uri: spec.uri });
  const text = (resource.contents[0] as { text: string }).text;
  expect(JSON.parse(text)).toHaveProperty('openapi');
  const sha256 = String(spec.uri).split('/').pop();
  expect((await call(client, 'get_artifact', { sha256 })).text).toBe(text);
  const listing = await client.readResource({ uri: `baton://runs/${id}/artifacts` });
  expect((listing.contents[0] as { text: string }).text).toContain(spec.uri);

  const decided = await call(client, 'handle_approval', {
    id,
    gate: 'spec#1',
    action: 'approve',
    comment: 'spec ok',
  });
  expect(decided).toMatchObject({ outcome: 'decided', gate: 'spec#1', action: 'approve', by: user });
  const again = await call(client, 'handle_approval', { id, gate: 'spec#1', action: 'approve' });
  expect(again).toMatchObject({
    outcome: 'already-decided',
    gate: 'spec#1',
    action: 'approve',
    by: user,
    comment: 'spec ok',
  });

  // The run moves on to the next gate.
  const moved = await waitFor(
    () => call(client, 'get_workflow_status', { id }),
    (s) => s.openGates.some((g: Json) => g.gate === 'codegen#1'),
    90_000,
  );
  expect(moved.phases.find((p: Json) => p.id === 'spec').state).toBe('done');
  expect(moved.decisions).toContainEqual(
    expect.objectContaining({ gate: 'spec#1', action: 'approve', by: user }),
  );
}

/** Bad input names the field, the value and the fix. */
export async function badInput(client: Client): Promise<void> {
  const template = await callError(client, 'start_workflow', { template: 42 });
  expect(template).toContain('template');
  expect(template).toContain('got 42');
  expect(template).toContain('get_workflow_templates');

  const gate = await callError(client, 'handle_approval', {
    id: 'some-run',
    gate: 'spec',
    action: 'approve',
  });
  expect(gate).toMatch(/gate: .*spec#1/);
  expect(gate).toContain('got "spec"');

  const action = await callError(client, 'handle_approval', { id: 'some-run', gate: 'spec#1', action: 'ok' });
  expect(action).toContain('action');
  expect(action).toContain('got "ok"');
  expect(action).toContain('expected one of approve, modify, retry, skip, reject');

  const typo = await callError(client, 'list_runs', { stat: 'waiting' });
  expect(typo).toContain('"stat"');
  expect(typo).toContain('this tool takes: state, template, limit');

  const wait = await callError(client, 'start_workflow', {
    template: 'research',
    wait: true,
    waitSeconds: 9999,
  });
  expect(wait).toContain('waitSeconds');
  expect(wait).toContain('got 9999');

  // The client API's own checks come back as error results with their hint.
  const unknown = await callError(client, 'start_workflow', { template: 'no-such-template' });
  expect(unknown).toContain('no-such-template');
}

/** A gate only someone else may decide: listed as not yours, and refused. */
export async function refusedFlow(client: Client, id: string, user: string, approver: string): Promise<void> {
  const started = await call(client, 'start_workflow', {
    definition: guarded(approver),
    id,
    wait: true,
    waitSeconds: 90,
  });
  expect(started.waited).toBe('gate');
  const { approvals } = await call(client, 'get_pending_approvals', { id });
  expect(approvals).toEqual([
    expect.objectContaining({ gate: 'spec#1', mayDecide: false, approvers: [approver] }),
  ]);
  const refused = await callError(client, 'handle_approval', { id, gate: 'spec#1', action: 'approve' });
  expect(refused).toContain(`${user} may not decide gate spec#1`);
  expect(refused).toContain(approver);
  const status = await call(client, 'get_workflow_status', { id });
  expect(status.openGates.map((g: Json) => g.gate)).toEqual(['spec#1']);
  expect(status.decisions).toEqual([]);
}

/** `dispatch`: a request in plain words stops at its plan gate, which handle_approval decides. */
export async function dispatchFlow(client: Client, id: string): Promise<void> {
  const started = await call(client, 'dispatch', { request: 'Research express openapi generators', id });
  expect(started).toEqual({ workflowId: id, firstGate: { gate: 'plan#1', phase: 'plan' } });
  const { approvals } = await waitFor(
    () => call(client, 'get_pending_approvals', { id }),
    (p) => p.approvals.length > 0,
    90_000,
  );
  expect(approvals[0]).toMatchObject({ gate: 'plan#1', kind: 'approval', mayDecide: true });
  const rejected = await call(client, 'handle_approval', {
    id,
    gate: 'plan#1',
    action: 'reject',
    comment: 'not now',
  });
  expect(rejected.outcome).toBe('decided');
  const ended = await waitFor(
    () => call(client, 'get_workflow_status', { id }),
    (s) => s.state === 'rejected',
  );
  expect(ended.decisions).toContainEqual(expect.objectContaining({ gate: 'plan#1', action: 'reject' }));
}
