import { describe, expect, it } from 'vitest';
import { decide, waitForResult } from '../../src/client/runs';
import { StatsReportSchema } from '../../src/client/monitor/schemas';
import type { DefinitionInput } from '../../src/shared/definition';
import { uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { cli } from '../client/cli-helpers';
import { monitorAgents, startDefinition } from './monitor-helpers';

const shared = useWorker({ prefix: 'monitor-stats', agents: monitorAgents() });
const { baton, json } = cli(shared);

/** A gated phase that spends tokens, then a phase of `agent` (echo succeeds, fatal fails). */
const definition = (name: string, agent: 'echo' | 'fatal'): DefinitionInput => ({
  name,
  phases: [
    {
      id: 'spend',
      agent: 'spend',
      input: { tokens: 100, costUsd: 0.01 },
      approval: { instructions: 'Check.' },
    },
    { id: 'build', agent, needs: ['spend'], input: {} },
  ],
});

describe('baton stats', { timeout: 180_000 }, () => {
  it('counts runs, success, durations, human decisions, retries and usage per template and phase', async () => {
    const template = uniqueId('stats');
    const [auto, human, failed] = [uniqueId('st-auto'), uniqueId('st-human'), uniqueId('st-failed')];
    // Approved automatically (via auto), completes.
    await startDefinition(shared.baton, auto, definition(template, 'echo'), 'auto');
    // Approved by a person (via update), completes.
    await startDefinition(shared.baton, human, definition(template, 'echo'));
    await waitForGate(shared.baton, human, 'spend');
    await decide(shared.baton, human, { phase: 'spend', action: 'approve', by: 'dana' });
    // Approved automatically, then its build fails.
    await startDefinition(shared.baton, failed, definition(template, 'fatal'), 'auto');
    await waitForResult(shared.baton, auto);
    await waitForResult(shared.baton, human);
    await expect(waitForResult(shared.baton, failed)).rejects.toThrow();

    const report = StatsReportSchema.parse(
      await waitFor(
        () => json<unknown>(['stats', '--since', '1h', '--template', template]),
        (r) =>
          (r as { runsRead: number }).runsRead === 3 &&
          (r as { templates: { running: number }[] }).templates[0]?.running === 0,
      ),
    );
    expect(report).toMatchObject({ template, runsRead: 3, limit: 500, truncated: false });
    expect(report.templates).toHaveLength(1);
    const stats = report.templates[0]!;
    expect(stats).toMatchObject({
      template,
      runs: 3,
      running: 0,
      completed: 2,
      failed: 1,
      rejected: 0,
      cancelled: 0,
      decisions: { total: 3, human: 1, automatic: 2 },
      usage: { inputTokens: 150, outputTokens: 150, calls: 3 },
    });
    expect(stats.successRate).toBeCloseTo(2 / 3);
    expect(stats.decisions.humanRate).toBeCloseTo(1 / 3);
    expect(stats.usage.costUsd).toBeCloseTo(0.03);
    expect(stats.durationMs.medianMs).toBeGreaterThan(0);
    expect(stats.durationMs.p95Ms).toBeGreaterThanOrEqual(stats.durationMs.medianMs!);

    const spend = stats.phases.find((p) => p.phase === 'spend')!;
    const build = stats.phases.find((p) => p.phase === 'build')!;
    expect(spend).toMatchObject({
      runs: 3,
      done: 3,
      failed: 0,
      successRate: 1,
      phaseRuns: 3,
      attempts: 3,
      retryRate: 0,
    });
    expect(spend.decisions).toMatchObject({ total: 3, human: 1 });
    expect(build).toMatchObject({ runs: 3, done: 2, failed: 1, decisions: { total: 0 } });
    expect(build.successRate).toBeCloseTo(2 / 3);
    expect(build.parallel).toBeUndefined();

    const text = await baton(['stats', '--since', '1h', '--template', template]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `${template}: 3 runs (2 completed, 0 rejected, 1 failed, 0 cancelled, 0 running)`,
    );
    expect(text.stdout).toContain('success 67%');
    expect(text.stdout).toContain('human decisions 1 of 3 (33%)');
    expect(text.stdout).toMatch(/PHASE +RUNS +SUCCESS +MEDIAN +P95 +RETRIES +HUMAN +TOKENS +COST/);
    expect(text.stdout).toMatch(/build +3 +67%/);

    // --limit cuts the read, and says so.
    const cut = StatsReportSchema.parse(
      await json(['stats', '--since', '1h', '--template', template, '--limit', '2']),
    );
    expect(cut).toMatchObject({ runsRead: 2, truncated: true });
    expect(cut.note).toContain('only the newest 2 runs were read');
  });
});
