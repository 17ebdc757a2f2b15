import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createApi } from '../../src/client/api';
import { createSchedule, deleteSchedule, listSchedules, pauseSchedule, triggerSchedule, unpauseSchedule } from '../../src/client/schedules';
import { DEFAULT_TRIGGERS } from '../../src/config/github';
import { createApp } from '../../src/server/app';
import { listen } from '../../src/server/serve';
import { cli } from '../client/cli-helpers';
import { uniqueId, useWorker, waitFor } from '../helpers/env';

const shared = useWorker({ prefix: 'triggers', agents: builtinAgents() });
const SECRET = 'test-webhook-secret';
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function withReceiver<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const api = createApi({ baton: shared.baton });
  const server = await listen({ app: createApp({ github: { api, secret: SECRET, triggers: DEFAULT_TRIGGERS } }), host: '127.0.0.1', port: 0 });
  try {
    return await fn(`${server.url}/github/webhook`);
  } finally {
    await server.close();
  }
}

const post = (url: string, event: string, delivery: string, payload: unknown, signature?: string) => {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': signature ?? sign(body) },
    body,
  });
};
const exists = (id: string) => shared.baton.client.workflow.getHandle(id).describe().then(() => true, () => false);

const issue = { action: 'labeled', label: { name: 'baton' }, issue: { title: 'Add a books API', body: 'books with title', html_url: 'https://github.com/o/r/issues/7', number: 7 }, repository: { full_name: 'o/r' } };

describe('GitHub receiver', () => {
  it('starts one issue-analysis run per delivery, refuses bad signatures, ignores other labels', async () => {
    await withReceiver(async (url) => {
      const delivery = uniqueId('d').replace(/[^A-Za-z0-9-]/g, '-');
      const first = await post(url, 'issues', delivery, issue);
      expect(first.status).toBe(201);
      const id = `gh-issues-${delivery}`;
      const input = (await shared.baton.client.workflow.getHandle(id).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(input).toBeDefined();
      const again = await post(url, 'issues', delivery, issue);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ duplicate: true, workflowId: id });
      // bad inputs: a wrong signature, no signature, another label, a malformed body
      const bad = await post(url, 'issues', `${delivery}-x`, issue, sign(JSON.stringify(issue), 'wrong'));
      expect(bad.status).toBe(401);
      expect(((await bad.json()) as { error: string }).error).toMatch(/X-Hub-Signature-256/);
      expect(await exists(`gh-issues-${delivery}-x`)).toBe(false);
      expect((await post(url, 'issues', `${delivery}-y`, issue, '')).status).toBe(401);
      const other = await post(url, 'issues', `${delivery}-z`, { ...issue, label: { name: 'bug' } });
      expect(other.status).toBe(202);
      expect(await exists(`gh-issues-${delivery}-z`)).toBe(false);
      expect((await post(url, 'issues', `${delivery}-m`, '{not json')).status).toBe(400);
      expect((await post(url, 'ping', `${delivery}-p`, { zen: 'hi' })).status).toBe(200);
      const pr = await post(url, 'pull_request', delivery, { action: 'opened', pull_request: { title: 'Tidy', body: null, html_url: 'u', number: 3 }, repository: { full_name: 'o/r' } });
      expect(pr.status).toBe(201);
      const desc = await shared.baton.client.workflow.getHandle(`gh-pull_request-${delivery}`).describe();
      expect(desc.typedSearchAttributes.get({ name: 'BatonTemplate', type: 'KEYWORD' } as never)).toBe('pr-review');
    });
  });
});

describe('schedules', () => {
  it('creates, triggers, lists, pauses, refuses a bad cron, deletes', async () => {
    const name = uniqueId('sched').replace(/[^A-Za-z0-9-]/g, '-');
    const created = await createSchedule(shared.baton, { name, template: 'research', cron: '0 6 * * 1-5', params: { query: 'cron test' } });
    expect(created.template).toBe('research');
    await expect(createSchedule(shared.baton, { name, template: 'research', cron: '0 6 * * 1-5' })).rejects.toThrow(/already exists/);
    await triggerSchedule(shared.baton, name);
    const listed = await waitFor(() => listSchedules(shared.baton), (all) => Boolean(all.find((s) => s.name === name)?.lastRun));
    const mine = listed.find((s) => s.name === name)!;
    expect(mine.cron).toBe('0 6 * * 1-5');
    expect(mine.nextRuns.length).toBeGreaterThan(0);
    expect(mine.lastRun!.workflowId.startsWith(name)).toBe(true);
    await pauseSchedule(shared.baton, name, 'holiday');
    expect((await listSchedules(shared.baton)).find((s) => s.name === name)!.paused).toBe(true);
    await unpauseSchedule(shared.baton, name);
    // bad inputs: a bad cron, four fields, a bad name, a bad param, an unknown schedule, a bad overlap
    await expect(createSchedule(shared.baton, { name: `${name}-b`, template: 'research', cron: '61 6 * * *' })).rejects.toThrow(/expected range 0-59/);
    await expect(createSchedule(shared.baton, { name: `${name}-b`, template: 'research', cron: '0 6 * *' })).rejects.toThrow(/4 fields/);
    await expect(createSchedule(shared.baton, { name: 'a b', template: 'research', cron: '0 6 * * *' })).rejects.toThrow(/schedule name/);
    await expect(createSchedule(shared.baton, { name: `${name}-b`, template: 'research', cron: '0 6 * * *', params: { limit: 500 } })).rejects.toThrow(/limit/);
    await expect(createSchedule(shared.baton, { name: `${name}-b`, template: 'research', cron: '0 6 * * *', overlap: 'sometimes' })).rejects.toThrow(/--overlap/);
    await expect(triggerSchedule(shared.baton, `${name}-none`)).rejects.toThrow(/No schedule named/);
    await deleteSchedule(shared.baton, name);
    expect((await listSchedules(shared.baton)).some((s) => s.name === name)).toBe(false);
  });

  it('the CLI creates one and refuses a bad cron with the reason', async () => {
    const { baton } = cli(shared);
    const name = uniqueId('cli-sched').replace(/[^A-Za-z0-9-]/g, '-');
    const bad = await baton(['schedule', 'create', name, 'research', '--cron', '0 25 * * *']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/expected range 0-23/);
    const ok = await baton(['schedule', 'create', name, 'research', '--cron', '*/30 * * * *', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).name).toBe(name);
    expect((await baton(['schedule', 'delete', name])).code).toBe(0);
  });
});
