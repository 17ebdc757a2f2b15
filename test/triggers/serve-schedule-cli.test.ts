/**
 * `baton serve --github` as a real process on a loopback port, and a schedule driven end to end
 * through the CLI (create, trigger, a run in visibility, list, delete). github-schedules.test.ts
 * covers the same routes and schedule calls in process.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { ScheduleListing } from '../../src/client/schedules';
import { cli } from '../client/cli-helpers';
import { uniqueId, useWorker, waitFor } from '../helpers/env';

const shared = useWorker({ prefix: 'serve-cli', agents: builtinAgents() });
const SECRET = 'serve-process-secret';
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const safeId = (prefix: string) => uniqueId(prefix).replace(/[^A-Za-z0-9-]/g, '-');
const issue = {
  action: 'labeled',
  label: { name: 'baton' },
  issue: { title: 'Add a books API', body: 'books with title', html_url: 'https://github.com/o/r/issues/9', number: 9 },
  repository: { full_name: 'o/r' },
};

const post = (url: string, delivery: string, body: string, signature = sign(body)) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': delivery, 'x-hub-signature-256': signature },
    body,
  });

describe('baton serve --github (process)', { concurrent: true }, () => {
  it('starts a run for a signed delivery, once per delivery id, refuses a bad signature, stops on SIGTERM', async () => {
    const { spawnBaton } = cli(shared);
    // The checkout has no baton.config, so the default triggers apply.
    const server = spawnBaton(['serve', '--github', '--port', '0'], { BATON_GITHUB_WEBHOOK_SECRET: SECRET });
    try {
      const base = await waitFor(
        async () => /GitHub webhooks at (http:\/\/127\.0\.0\.1:\d+)\/github\/webhook/.exec(server.output.stdout)?.[1],
        (url) => url !== undefined,
        30_000,
      );
      const url = `${base}/github/webhook`;
      const delivery = safeId('serve');
      const body = JSON.stringify(issue);
      const first = await post(url, delivery, body);
      expect(first.status).toBe(201);
      const id = `gh-issues-${delivery}`;
      expect(await first.json()).toMatchObject({ started: true, workflowId: id, template: 'issue-analysis' });
      const handle = shared.baton.client.workflow.getHandle(id);
      const { runId } = await handle.describe();
      const again = await post(url, delivery, body);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ duplicate: true, workflowId: id });
      expect((await handle.describe()).runId).toBe(runId);
      // bad input: signed with another secret
      const bad = await post(url, `${delivery}-x`, body, sign(body, 'not-the-secret'));
      expect(bad.status).toBe(401);
      const missing = await shared.baton.client.workflow.getHandle(`gh-issues-${delivery}-x`).describe().then(() => 'found', () => 'none');
      expect(missing).toBe('none');
      await handle.terminate('test done');
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output.stdout).toMatch(/SIGTERM, stopping/);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  // bad inputs: no webhook secret in the environment; a port that is not a port
  it('refuses to start without a secret or with a bad port', async () => {
    const { baton } = cli(shared);
    const noSecret = await baton(['serve', '--github', '--port', '0'], { BATON_GITHUB_WEBHOOK_SECRET: '' });
    expect(noSecret.code).not.toBe(0);
    expect(noSecret.stderr).toMatch(/BATON_GITHUB_WEBHOOK_SECRET is not set/);
    const badPort = await baton(['serve', '--github', '--port', 'http'], { BATON_GITHUB_WEBHOOK_SECRET: SECRET });
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toMatch(/--port "http" is not a port/);
  });
});

describe('baton schedule (CLI)', { concurrent: true }, () => {
  it('create → trigger starts a run of the template; list shows it; delete removes it', async () => {
    const { baton, json } = cli(shared);
    const name = safeId('cli-fire');
    const created = await baton(['schedule', 'create', name, 'research', '--cron', '*/5 * * * *', '--param', 'query=scheduled', '--auto-approve']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Created schedule ${name}  research  "*/5 * * * *"`);
    const triggered = await baton(['schedule', 'trigger', name]);
    expect(triggered.code).toBe(0);
    const listed = await waitFor(
      () => json<ScheduleListing[]>(['schedule', 'list']),
      (all) => all.find((s) => s.name === name)?.lastRun?.state === 'completed',
    );
    const mine = listed.find((s) => s.name === name)!;
    expect(mine).toMatchObject({ template: 'research', cron: '*/5 * * * *', paused: false });
    expect(mine.lastRun!.workflowId.startsWith(name)).toBe(true);
    const started = await shared.baton.client.workflow.getHandle(mine.lastRun!.workflowId).describe();
    expect(started.type).toBe('pipeline');
    expect(started.taskQueue).toBe(shared.taskQueue);
    const text = await baton(['schedule', 'list']);
    expect(text.stdout).toContain(`last: ${mine.lastRun!.workflowId} at`);
    expect((await baton(['schedule', 'delete', name])).code).toBe(0);
    expect((await json<ScheduleListing[]>(['schedule', 'list'])).some((s) => s.name === name)).toBe(false);
    // bad input: the deleted schedule is unknown now
    const gone = await baton(['schedule', 'trigger', name]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain(`No schedule named "${name}"`);
  });
});
