/**
 * The GitHub Actions script as CI runs it (bash, `npx baton` from the checkout, a step summary
 * file), and `baton report` as a CLI process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createApi } from '../../src/client/api';
import type { RunReport } from '../../src/client/report';
import { cli, PATH_WITHOUT_BATON } from '../client/cli-helpers';
import { uniqueId, useWorker, waitForGate } from '../helpers/env';

const shared = useWorker({ prefix: 'actions', agents: builtinAgents() });
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(REPO, 'examples/github-actions/baton-run.sh');

/** `bash baton-run.sh …` from the checkout, with the env baton.yml gives it plus the step summary. */
async function runScript(args: string[], summary: string) {
  const child = spawn('bash', [SCRIPT, ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      PATH: PATH_WITHOUT_BATON,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_API_KEY: '',
      BATON_TASK_QUEUE: shared.taskQueue,
      BATON_ARTIFACTS_DIR: join(shared.workspaceRoot, '.artifacts'),
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (output.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, ...output };
}

const safeId = (prefix: string) => uniqueId(prefix).replace(/[^A-Za-z0-9-]/g, '-');

describe('examples/github-actions/baton-run.sh', { concurrent: true }, () => {
  it('exits 0 for a completed run and writes its report to the step summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-gha-'));
    const summary = join(dir, 'summary.md');
    const id = safeId('gha-ok');
    const result = await runScript(['research', '--id', id, '--auto-approve', '--param', 'query=gha script'], summary);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const markdown = await readFile(summary, 'utf8');
    expect(markdown).toContain(`## ✅ Baton run \`${id}\`: completed`);
    expect(markdown).toContain('- template: `research`');
    expect(markdown).toMatch(/\| research \| research \| done \| \d+\.\d s \| 1 \|/);
    expect(markdown).toMatch(/\| synthesize \| approve \| [^|]+ \| auto \|/);
  });

  it('exits non-zero for a rejected run, and the summary says it was rejected and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-gha-'));
    const summary = join(dir, 'summary.md');
    const id = safeId('gha-no');
    const running = runScript(['research', '--id', id, '--param', 'query=gha reject'], summary);
    await waitForGate(shared.baton, id, 'synthesize');
    await createApi({ baton: shared.baton }).decide({
      id,
      decision: { phase: 'synthesize', action: 'reject', by: 'ci-reviewer', comment: 'not what we need' },
    });
    const result = await running;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/rejected/);
    const markdown = await readFile(summary, 'utf8');
    expect(markdown).toContain(`## ⛔ Baton run \`${id}\`: rejected`);
    expect(markdown).toMatch(/\| synthesize \| reject \| ci-reviewer \| [^|]+ \| [^|]+ \| not what we need \|/);
  });

  // bad inputs: no template; a template that does not exist (the summary says why nothing ran)
  it('refuses to run without a template, and reports a start that was refused', async () => {
    const none = await runScript([], join(tmpdir(), 'never.md'));
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/usage: baton-run.sh <template>/);
    const summary = join(await mkdtemp(join(tmpdir(), 'baton-gha-')), 'summary.md');
    const id = safeId('gha-bad');
    const refused = await runScript(['no-such-template', '--id', id], summary);
    expect(refused.code).not.toBe(0);
    const markdown = await readFile(summary, 'utf8');
    expect(markdown).toContain(`## ❌ Baton run \`${id}\` did not start`);
    expect(markdown).toMatch(/no-such-template/);
  });
});

describe('baton report (CLI)', { concurrent: true }, () => {
  it('prints a completed run as Markdown and --json, with phases, decisions and usage', async () => {
    const { baton } = cli(shared);
    const id = safeId('report');
    const started = await baton(['start', 'research', '--id', id, '--auto-approve', '--wait', '--json']);
    expect(started.code).toBe(0);
    // What the run ended as, with the id a script needs for `baton report`.
    expect(JSON.parse(started.stdout)).toMatchObject({ workflowId: id, state: 'completed' });
    const json = await baton(['report', id, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(report).toMatchObject({ id, state: 'completed', template: 'research' });
    expect(report.phases).toEqual([
      expect.objectContaining({ id: 'research', agent: 'research', state: 'done', attempts: 1 }),
      expect.objectContaining({ id: 'synthesize', agent: 'synthesize', state: 'done', attempts: 1 }),
    ]);
    expect(report.phases[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.decisions).toEqual([expect.objectContaining({ phase: 'synthesize', action: 'approve', via: 'auto' })]);
    expect(report.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: expect.any(Number), costUsd: expect.any(Number) });
    expect(report.artifacts.some((a) => a.phase === 'research')).toBe(true);
    const markdown = await baton(['report', id, '--markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain(`Baton run \`${id}\`: completed`);
    expect(markdown.stdout).toContain('### Decisions');
    expect(markdown.stdout).toContain(`- usage: ${report.usage.inputTokens + report.usage.outputTokens} tokens`);
  });

  it('refuses an unknown run id and conflicting flags (bad inputs)', async () => {
    const { baton } = cli(shared);
    const unknown = await baton(['report', 'no-such-run-xyz']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no-such-run-xyz/);
    expect(unknown.stdout).toBe('');
    const both = await baton(['report', 'no-such-run-xyz', '--json', '--markdown']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--markdown or --json/);
  });
});
