import { describe, expect, it } from 'vitest';
import { estimate, phaseMedians } from '../../src/client/monitor/eta';
import { renderDashboard, truncate } from '../../src/client/monitor/dashboard-render';
import type { DashboardSnapshot } from '../../src/client/monitor/schemas';
import { NO_USAGE, type PhaseStatus, type RunStatus, type RunSummary } from '../../src/shared/status';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function phase(
  id: string,
  needs: string[],
  state: PhaseStatus['state'],
  from?: number,
  to?: number,
): PhaseStatus {
  return {
    id,
    title: id,
    agent: 'echo',
    needs,
    state,
    attempts: 1,
    runs: 1,
    usage: NO_USAGE,
    ...(from !== undefined ? { startedAt: at(from) } : {}),
    ...(to !== undefined ? { endedAt: at(to) } : {}),
  };
}

const run = (phases: PhaseStatus[], gates: RunStatus['gates'] = []): RunStatus => ({
  name: 't',
  approvalMode: 'manual',
  state: 'running',
  startedAt: at(0),
  phases,
  gates,
  progress: { done: 0, total: phases.length, percent: 0 },
  decisions: [],
  decisionsDropped: 0,
  ignoredSignals: [],
  usage: NO_USAGE,
  agentsWithoutLlm: [],
});

// plan → (backend ‖ frontend) → ship: the two branches run side by side.
const past = (b: number, f: number): RunSummary => ({
  ...run([
    phase('plan', [], 'done', 0, 1000),
    phase('backend', ['plan'], 'done', 1000, 1000 + b),
    phase('frontend', ['plan'], 'done', 1000, 1000 + f),
    phase('ship', ['backend', 'frontend'], 'done', 1000 + Math.max(b, f), 2000 + Math.max(b, f)),
  ]),
  outputs: {},
});

describe('the ETA method', () => {
  const medians = phaseMedians([past(4000, 2000), past(6000, 3000), past(5000, 1000)]);

  it('takes the median per phase, and the longest branch of parallel phases', () => {
    expect(medians.backend).toEqual({ medianMs: 5000, samples: 3 });
    expect(medians.frontend).toEqual({ medianMs: 2000, samples: 3 });
    // plan runs for 400 ms of its 1000: 600 left, then max(5000, 2000), then ship's 1000.
    const status = run([
      phase('plan', [], 'running', 0),
      phase('backend', ['plan'], 'pending'),
      phase('frontend', ['plan'], 'pending'),
      phase('ship', ['backend', 'frontend'], 'pending'),
    ]);
    expect(estimate(status, medians, 3, T0 + 400).remainingMs).toBe(600 + 5000 + 1000);
  });

  it('never counts a running phase below 0, nor an open gate', () => {
    const status = run(
      [
        phase('plan', [], 'done', 0, 1000),
        phase('backend', ['plan'], 'running', 1000),
        phase('frontend', ['plan'], 'awaiting-approval', 1000, 3000),
        phase('ship', ['backend', 'frontend'], 'pending'),
      ],
      [
        {
          id: 'frontend#1',
          phase: 'frontend',
          title: 'frontend',
          kind: 'approval',
          openedAt: at(3000),
        },
      ],
    );
    // backend has run 9 s, past its median: 0 left for it, then ship.
    expect(estimate(status, medians, 3, T0 + 10_000)).toEqual({
      remainingMs: 1000,
      missing: [],
      basedOnRuns: 3,
      waitingOnGate: true,
    });
  });

  it('gives no ETA when a phase still to run has no history', () => {
    const status = run([phase('plan', [], 'running', 0), phase('deploy', ['plan'], 'pending')]);
    expect(estimate(status, medians, 3, T0)).toEqual({
      missing: ['deploy'],
      basedOnRuns: 3,
      waitingOnGate: false,
    });
  });
});

describe('the dashboard frame', () => {
  const snapshot: DashboardSnapshot = {
    at: at(60_000),
    truncated: false,
    runs: [
      {
        workflowId: 'a-very-long-run-id-that-goes-on-and-on-and-on',
        template: 'feature-parallel',
        state: 'waiting',
        startedAt: at(0),
        stage: ['review'],
        agents: { running: 2, done: 3, waiting: 1, total: 6 },
        progress: { done: 3, total: 6, percent: 50 },
        eta: { remainingMs: 65_000, missing: [], basedOnRuns: 4, waitingOnGate: true },
        gates: [
          {
            id: 'review#1',
            phase: 'review',
            kind: 'approval',
            title: 'Review',
            openedAt: at(0),
            ageMs: 60_000,
          },
        ],
        conflicts: { total: 2, resolved: 1, human: 0, pending: 1 },
        needsHuman: true,
      },
    ],
  };

  it.each([160, 100, 60])('fits %i columns, cutting with …', (width) => {
    const lines = renderDashboard(snapshot, { width, color: false });
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(width);
    const row = lines.find((l) => l.startsWith('a-very'))!;
    if (width === 160)
      expect(row).toMatch(/review +2\/3\/1 +█████░░░░░ {2}50% +1m5s \+gate +review 1m +2 \(1 auto, 1 human\)/);
    else expect(row).toContain('…');
  });

  it('escapes control characters from run names', () => {
    const evil = { ...snapshot, runs: [{ ...snapshot.runs[0]!, workflowId: 'x\x1b[2Jy' }] };
    expect(renderDashboard(evil, { width: 160, color: false }).join('\n')).not.toContain('\x1b[2J');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});
