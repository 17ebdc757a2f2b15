import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApi } from '../../src/client/api';
import { startRun } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import type { RunningServer } from '../../src/server/serve';
import { freePort } from '../../src/dev/net';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { serveConsole, TOKENS } from './console-app';
import { consoleAgents, launchChromium, logIn, screenshot, workerConfig } from './console-helpers';

// A template of the test's agents, for the start page (templates are read from this directory).
const templates = mkdtempSync(join(tmpdir(), 'baton-console-templates-'));
process.env.BATON_TEMPLATES_DIR = templates;
writeFileSync(
  join(templates, 'console-start.yaml'),
  `name: console-start
version: 1
description: A note on a topic, approved by a lead, then announced.
params:
  topic: { type: string, description: What to write about, minLength: 1 }
  words: { type: number, default: 80, min: 1 }
  final: { type: boolean, default: false }
phases:
  - id: draft
    agent: draft
    input:
      topic: \${params.topic}
      words: \${params.words}
      final: \${params.final}
    approval: { approvers: { roles: [lead] } }
  - id: announce
    agent: echo
    needs: [draft]
    input: { what: announced }
`,
);

const shared = useWorker({ prefix: 'console', agents: consoleAgents(), config: workerConfig() });

/** A draft a lead approves, then a few seconds of publishing, then a last step. */
const demo = (): DefinitionInput => ({
  name: 'console-demo',
  phases: [
    {
      id: 'draft',
      agent: 'draft',
      input: { topic: 'Temporal', words: 120 },
      approval: { instructions: 'Check the **topic** and the length.', approvers: { roles: ['lead'] } },
    },
    { id: 'publish', agent: 'sleep', needs: ['draft'], input: { ms: 2500 } },
    { id: 'announce', agent: 'echo', needs: ['publish'], input: { what: 'done' } },
  ],
});

async function startDemo(prefix: string): Promise<string> {
  const id = uniqueId(prefix);
  await startRun(shared.baton, { definition: demo(), id, approvalMode: 'manual', skipAgentCheck: true });
  await waitForGate(shared.baton, id, 'draft');
  return id;
}

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const api = () => createApi({ baton: shared.baton });

async function userPage(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  contexts.push(context);
  const page = await context.newPage();
  // Script errors and CSP violations (an inline script or style the policy refuses) land here.
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await logIn(page, server.url, token);
  return page;
}

beforeAll(async () => {
  server = await serveConsole(api());
  browser = await launchChromium();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

const gateUrl = (id: string) => `${server.url}/runs/${encodeURIComponent(id)}/gates/${encodeURIComponent('draft#1')}`;

describe('the web console in a real browser', () => {
  it('redirects to the login page without a user', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(server.url);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('shows in the inbox a gate opened by another run, with its kind and approvers', async () => {
    const id = await startDemo('console-inbox');
    const page = await userPage(TOKENS.alice);
    await page.goto(server.url);
    const row = page.locator(`tr[data-run="${id}"]`);
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.innerText()).toContain('approval');
    expect(await row.innerText()).toContain('alice');
    expect(await row.innerText()).toContain('console-demo');
    // Filtering by another kind hides it; searching for the run finds it.
    await page.goto(`${server.url}/?kind=budget`);
    expect(await page.locator(`tr[data-run="${id}"]`).count()).toBe(0);
    await page.goto(`${server.url}/?q=${encodeURIComponent(id)}`);
    expect(await page.locator('tr[data-run]').count()).toBe(1);
  });

  it('shows the run page with its DAG coloured by state and the timeline', async () => {
    const id = await startDemo('console-run');
    const page = await userPage(TOKENS.alice);
    await page.goto(`${server.url}/runs/${encodeURIComponent(id)}`);
    const dag = page.getByTestId('dag');
    expect(await dag.locator('[data-phase]').count()).toBe(3);
    expect(await dag.locator('[data-phase="draft"]').getAttribute('data-state')).toBe('awaiting-approval');
    expect(await dag.locator('[data-phase="announce"]').getAttribute('data-state')).toBe('pending');
    // A layered layout: announce is right of publish, which is right of draft.
    const x = async (phase: string) => (await dag.locator(`[data-phase="${phase}"] rect`).boundingBox())!.x;
    expect(await x('publish')).toBeGreaterThan(await x('draft'));
    expect(await x('announce')).toBeGreaterThan(await x('publish'));
    const timeline = page.getByTestId('timeline');
    expect(await timeline.locator('.bar-phase').count()).toBeGreaterThanOrEqual(1);
    expect(await timeline.locator('.bar-gate').count()).toBe(1);
    // The phase output is Markdown rendered with raw HTML escaped: the agent's <script> never runs.
    expect(await page.locator('[data-testid="gate-output"] h1').innerText()).toBe('Notes on Temporal');
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.getByRole('link', { name: 'Open in Temporal Web UI' }).getAttribute('href')).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(id)}`,
    );
    await screenshot(page, 'console-run', true);
    const response = await page.request.get(`${server.url}/runs/${encodeURIComponent(id)}`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(pageErrors).toEqual([]);
  });

  it('modifies through the generated form, approves, and the run advances without a reload', async () => {
    const id = await startDemo('console-modify');
    const page = await userPage(TOKENS.alice);
    await page.goto(gateUrl(id));
    const form = page.getByTestId('modify-form');
    await page.getByText('Modify…').click();
    // One field per input of the draft agent, typed by its schema.
    expect(await form.getByLabel(/^topic/).getAttribute('type')).toBe('text');
    expect(await form.getByLabel(/^words/).getAttribute('type')).toBe('number');
    expect(await form.getByLabel(/^final/).evaluate((el) => el.tagName)).toBe('SELECT');
    await form.getByLabel(/^words/).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-gate');
    await form.getByLabel(/^topic/).fill('Durable execution');
    await form.getByLabel(/^words/).fill('300');
    await form.getByLabel(/^final/).selectOption('true');
    await form.getByLabel('Comment').fill('Broaden the topic');
    await form.getByRole('button', { name: 'Modify and run again' }).click();
    await page.waitForURL((u) => u.pathname === `/runs/${encodeURIComponent(id)}`);
    // The phase runs again with the changes; the gate panel updates live with the new output.
    await page.evaluate(() => ((globalThis as { __sameDocument?: boolean }).__sameDocument = true));
    await expect
      .poll(() => page.locator('[data-testid="gate-output"] h1').innerText().catch(() => ''), { timeout: 30_000 })
      .toBe('Notes on Durable execution');
    const modified = await queryStatus(shared.baton, id);
    expect(modified.decisions.at(-1)).toMatchObject({ action: 'modify', by: 'alice', changes: { topic: 'Durable execution', words: 300, final: true }, comment: 'Broaden the topic' });
    await page.getByLabel('Comment').first().fill('Looks right');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((u) => u.searchParams.has('decided'));
    await page.evaluate(() => ((globalThis as { __sameDocument?: boolean }).__sameDocument = true));
    const announce = page.getByTestId('dag').locator('[data-phase="announce"]');
    await expect.poll(() => announce.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(await page.getByTestId('run-state').innerText()).toBe('completed');
    // No reload happened: the marker set on this document is still there, and SSE swaps came in.
    expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(Number(await page.locator('body').getAttribute('data-live-swaps'))).toBeGreaterThan(0);
    const status = await queryStatus(shared.baton, id);
    expect(status.decisions.at(-1)).toMatchObject({ action: 'approve', by: 'alice', comment: 'Looks right' });
    await screenshot(page, 'console-run-completed', true);
    // The diff of a phase's commit, read from the run's workspace on this machine.
    const diff = await page.request.get(`${server.url}/runs/${encodeURIComponent(id)}/phases/announce/diff`);
    expect(await diff.text()).toContain('announce.json');
  });

  it('re-renders the modify form with the field problem on bad input', async () => {
    const id = await startDemo('console-bad');
    const page = await userPage(TOKENS.alice);
    const response = await page.request.post(`${gateUrl(id)}/decide`, {
      form: { action: 'modify', 'field.words': 'many' },
      headers: { origin: server.url },
    });
    expect(response.status()).toBe(400);
    expect(await response.text()).toContain('words must be a number; got &quot;many&quot;');
    expect((await queryStatus(shared.baton, id)).decisions).toEqual([]);
  });

  it('disables the buttons for a user who is not an approver, and a forced POST gets 403', async () => {
    const id = await startDemo('console-bob');
    const page = await userPage(TOKENS.bob);
    await page.goto(gateUrl(id));
    expect(await page.getByTestId('refusal').innerText()).toContain('bob is not an approver');
    expect(await page.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
    const response = await page.request.post(`${gateUrl(id)}/decide`, {
      form: { action: 'approve' },
      headers: { origin: server.url },
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('bob is not an approver');
    expect((await queryStatus(shared.baton, id)).gates.map((g) => g.id)).toEqual(['draft#1']);
  });

  it('batch-approves the selected gates after a confirmation', async () => {
    const ids = [await startDemo('console-batch'), await startDemo('console-batch')];
    const page = await userPage(TOKENS.alice);
    await page.goto(server.url);
    for (const id of ids) await page.locator(`tr[data-run="${id}"] input[type="checkbox"]`).check();
    await screenshot(page, 'console-inbox');
    await page.getByRole('button', { name: 'Approve selected…' }).click();
    await page.getByRole('heading', { name: 'Approve 2 gates?' }).waitFor();
    await page.getByRole('button', { name: 'Approve 2 as alice' }).click();
    expect(await page.getByTestId('batch-result').innerText()).toContain('approved as alice');
    for (const id of ids) {
      const status = await waitFor(() => queryStatus(shared.baton, id), (s) => s.decisions.length > 0);
      expect(status.decisions[0]).toMatchObject({ action: 'approve', by: 'alice' });
    }
    // Deciding a gate already decided is a 409 page that says who decided it.
    const again = await page.request.post(`${gateUrl(ids[0]!)}/decide`, { form: { action: 'reject' }, headers: { origin: server.url } });
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain('alice chose approve');
    // An unknown run is a 404 page with the message, not a stack.
    const missing = await page.request.get(`${server.url}/runs/no-such-run-${Date.now()}`);
    expect(missing.status()).toBe(404);
    expect(await missing.text()).not.toContain('    at ');
  });

  it('starts a run from a template with a form generated from its params, and runs it to the end', async () => {
    const page = await userPage(TOKENS.alice);
    await page.goto(`${server.url}/start`);
    await page.getByRole('link', { name: 'console-start' }).click();
    const form = page.getByTestId('start-form');
    expect(await form.getByLabel(/^words/).inputValue()).toBe('80');
    expect(await form.getByLabel(/^final/).getAttribute('type')).toBe('checkbox');
    // A required param left empty re-renders the form with the field's problem.
    await form.getByRole('button', { name: 'Start' }).click();
    expect(await page.locator('[data-field="topic"] .problem').innerText()).toBe('topic is required');
    // A value the template's rules refuse comes back with the validator's message.
    await page.getByTestId('start-form').getByLabel(/^topic/).fill('Sagas');
    await page.getByTestId('start-form').getByLabel(/^words/).fill('0');
    await page.getByTestId('start-form').getByRole('button', { name: 'Start' }).click();
    expect(await page.getByTestId('form-problem').innerText()).toContain('words');
    await page.getByTestId('start-form').getByLabel(/^words/).fill('42');
    await page.getByTestId('start-form').getByLabel(/^final/).check();
    await page.getByTestId('start-form').getByRole('button', { name: 'Start' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/runs/'));
    const id = decodeURIComponent(new URL(page.url()).pathname.slice('/runs/'.length));
    // The gate opens while the page is open: the panel appears live, then the approval ends the run.
    await page.getByTestId('gate-panel').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="gate-output"] h1').innerText()).toBe('Notes on Sagas');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByTestId('run-state').innerText(), { timeout: 60_000 }).toBe('completed');
    const status = await queryStatus(shared.baton, id);
    expect(status.phases.find((p) => p.id === 'draft')?.output).toMatchObject({ topic: 'Sagas', words: 42 });
  });

  it('answers 503 with the hint when the Temporal server is down', async () => {
    const down = await serveConsole(createApi({ address: `127.0.0.1:${await freePort()}` }));
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await logIn(page, down.url, TOKENS.alice);
      const response = await page.goto(down.url);
      expect(response?.status()).toBe(503);
      expect(await page.getByRole('alert').innerText()).toContain('Cannot reach a Temporal server');
    } finally {
      await down.close();
    }
  });
});
