import { describe, expect, it } from 'vitest';
import type { InboxItem } from '../../src/client/api-schemas';
import { parsePairs } from '../../src/client/cli/arguments';
import { renderInbox, renderStatus } from '../../src/client/cli/format';
import type { GateView } from '../../src/client/cli/parallel-format';
import type { ParallelStatus, TaskStatus } from '../../src/shared/parallel';
import { NO_USAGE, type OpenGate, type PhaseStatus, type RunStatus } from '../../src/shared/status';

/** Formatting only: a status as the run's query returns it, built with the real types. */
const RUN = 'feature-parallel-r1';
const BATON = '(?:npx )?baton';

const phase = (id: string, state: PhaseStatus['state'], extra: Partial<PhaseStatus> = {}): PhaseStatus => ({
  id,
  title: id,
  agent: extra.agent ?? 'build',
  needs: [],
  state,
  attempts: 1,
  runs: 1,
  usage: NO_USAGE,
  ...extra,
});

const task = (id: string, state: TaskStatus['state'], extra: Partial<TaskStatus> = {}): TaskStatus => ({
  id,
  agent: 'codegen',
  needs: [],
  state,
  runs: 1,
  attempts: 1,
  locks: [],
  branch: `baton/${RUN}/implement/${id}`,
  ...extra,
});

const parallel: ParallelStatus = {
  tasks: [
    task('backend', 'done', { elapsedMs: 61_000 }),
    task('frontend', 'running', { elapsedMs: 1_500, etaMs: 30_000, agent: 'claude-code' }),
    task('tests', 'waiting-lock', { locks: ['repo:payments-service'], etaMs: 45_000, branch: undefined }),
    task('docs', 'failed', {
      elapsedMs: 900,
      error: { type: 'Agent.Failed', message: 'docs agent \x1b[2Jcrashed' },
    }),
    task('extra', 'dropped', { droppedBecause: 'drop-task: it failed twice' }),
  ],
  predictedConflicts: [{ tasks: ['backend', 'frontend'], paths: ['src/routes/index.ts'] }],
  conflicts: [
    {
      task: 'frontend',
      class: 'file',
      files: ['src/routes/index.ts'],
      strategy: 'three-way',
      outcome: 'human',
    },
    {
      task: 'frontend',
      class: 'api',
      files: ['openapi.yaml'],
      strategy: 'latest-wins',
      outcome: 'resolved',
      detail: 'kept frontend (finished last)',
    },
    {
      task: 'tests',
      class: 'dependency',
      files: ['package.json'],
      strategy: 'highest-compatible',
      outcome: 'resolved',
      detail: 'kept ^4.19.2 (highest compatible)',
    },
    {
      task: 'frontend',
      class: 'naming',
      files: ['src/types.ts'],
      strategy: 'prefix-with-task',
      outcome: 'resolved',
      detail: 'renamed to src/frontend-types.ts',
    },
  ],
  queue: [
    { task: 'backend', state: 'merged', commit: 'a'.repeat(40), ms: 140 },
    { task: 'frontend', state: 'conflict', ms: 95 },
    { task: 'tests', state: 'queued' },
  ],
  integration: {
    branch: 'baton/implement',
    worktree: '/home/you/.baton/workspaces/r1~worktrees/implement',
    recovery: 'b'.repeat(40),
  },
  verify: { agent: 'build', state: 'pending' },
  speedup: 2.44,
  autoResolutionRate: 0.75,
  humanInterventionRate: 0.25,
};

const conflictGate: GateView = {
  id: 'implement#1',
  phase: 'implement',
  title: 'Implement',
  kind: 'conflict',
  openedAt: '2026-01-02T03:04:05.000Z',
  task: 'frontend',
  worktree: '/home/you/.baton/workspaces/r1~worktrees/implement',
  conflicts: [
    {
      path: 'src/routes/index.ts',
      class: 'file',
      base: "import a from './a';\nexport default [a];\n",
      ours: "import a from './a';\nimport b from './backend';\nexport default [a, b];\nconst x = 1;\nconst y = 2;\n",
      theirs: "import a from './a';\nimport f from './frontend';\nexport default [a, f];\n",
    },
    { path: 'src/new\nfile.ts', class: 'naming', ours: 'x', theirs: 'y', truncated: true },
  ],
};

const taskGate: GateView = {
  id: 'implement.backend#1',
  phase: 'implement.backend',
  title: 'Backend',
  kind: 'approval',
  openedAt: '2026-01-02T03:04:06.000Z',
};

const failedGate: GateView = {
  id: 'implement.docs#1',
  phase: 'implement.docs',
  title: 'Docs',
  kind: 'task-failed',
  openedAt: '2026-01-02T03:04:07.000Z',
  error: { type: 'Agent.Failed', message: 'the docs agent exited with code 2' },
};

const verifyGate: GateView = {
  id: 'implement#2',
  phase: 'implement',
  title: 'Implement',
  kind: 'verify',
  openedAt: '2026-01-02T03:04:08.000Z',
  error: { message: 'build: 2 tests failed' },
  tasks: ['frontend', 'tests'],
};

function statusWith(gates: GateView[]): RunStatus {
  return {
    name: 'feature-parallel',
    template: 'feature-parallel',
    approvalMode: 'manual',
    state: 'waiting',
    startedAt: '2026-01-02T03:00:00.000Z',
    phases: [
      phase('plan', 'done', { agent: 'decompose' }),
      phase('implement', 'awaiting-approval', { agent: 'parallel', parallel }),
      phase('review', 'pending', { agent: 'review' }),
    ],
    // The gate kinds a parallel phase opens, as the run's status reports them.
    gates: gates as unknown as OpenGate[],
    progress: { done: 1, total: 3, percent: 33 },
    decisions: [],
    decisionsDropped: 0,
    ignoredSignals: [],
    usage: NO_USAGE,
    agentsWithoutLlm: [],
  };
}

const lines = (text: string) => text.split('\n');
/** The line that matches, or a failure that shows the whole output. */
function lineMatching(text: string, pattern: RegExp): string {
  const found = lines(text).find((l) => pattern.test(l));
  expect(found, `no line matches ${pattern} in:\n${text}`).toBeDefined();
  return found as string;
}

describe('status of a parallel phase', () => {
  const text = renderStatus(RUN, statusWith([]));

  it('puts a row per task right under the parallel phase row, with agent, state, branch, elapsed and ETA', () => {
    const all = lines(text);
    const implementRow = all.findIndex((l) => /^implement\s+parallel\s+awaiting-approval/.test(l));
    const reviewRow = all.findIndex((l) => /^review\s+review\s+pending/.test(l));
    expect(implementRow).toBeGreaterThan(0);
    expect(all[implementRow + 1]).toMatch(
      /^ {4}TASK\s+AGENT\s+STATE\s+RUNS\s+BRANCH\s+ELAPSED\s+ETA\s+NOTE$/,
    );
    const block = all.slice(implementRow + 1, reviewRow);
    expect(block.every((l) => l.startsWith('    '))).toBe(true);
    const rows = block.slice(1, 6).map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['backend', 'codegen', 'done', '1', `baton/${RUN}/implement/backend`, '1m1s'],
      ['frontend', 'claude-code', 'running', '1', `baton/${RUN}/implement/frontend`, '1.5s', '30s'],
      ['tests', 'codegen', 'waiting-lock', '1', '45s', 'locks: repo:payments-service'],
      [
        'docs',
        'codegen',
        'failed',
        '1',
        `baton/${RUN}/implement/docs`,
        '900ms',
        'error: docs agent \\u001b[2Jcrashed',
      ],
      [
        'extra',
        'codegen',
        'dropped',
        '1',
        `baton/${RUN}/implement/extra`,
        'dropped: drop-task: it failed twice',
      ],
    ]);
  });

  it('escapes what came from history', () => {
    expect(text).not.toContain('\x1b');
    expect(text).toContain('\\u001b[2J');
  });

  it('shows the predicted conflicts, every conflict with class, files, strategy and outcome, and the queue', () => {
    expect(lineMatching(text, /Predicted conflicts/)).toMatch(/^ {4}Predicted/);
    lineMatching(text, /^ {6}backend and frontend: src\/routes\/index\.ts$/);
    const conflictRows = [
      /^ {6}frontend\s+file\s+src\/routes\/index\.ts\s+three-way\s+human$/,
      /^ {6}frontend\s+api\s+openapi\.yaml\s+latest-wins\s+resolved\s+kept frontend \(finished last\)$/,
      /^ {6}tests\s+dependency\s+package\.json\s+highest-compatible\s+resolved\s+kept \^4\.19\.2/,
      /^ {6}frontend\s+naming\s+src\/types\.ts\s+prefix-with-task\s+resolved\s+renamed to src\/frontend-types\.ts$/,
    ];
    for (const row of conflictRows) lineMatching(text, row);
    lineMatching(text, /^ {6}#\s+TASK\s+STATE\s+COMMIT\s+TIME$/);
    lineMatching(text, /^ {6}1\s+backend\s+merged\s+aaaaaaaaaa\s+140ms$/);
    lineMatching(text, /^ {6}2\s+frontend\s+conflict\s+95ms$/);
    lineMatching(text, /^ {6}3\s+tests\s+queued$/);
    lineMatching(
      text,
      /^ {4}Integration: baton\/implement in \/home\/you\/.*implement \(recovery bbbbbbbbbb\)$/,
    );
    lineMatching(text, /^ {4}Verify: build pending$/);
  });

  it('reports speedup, auto-resolution and human-intervention rates in the run summary', () => {
    expect(lines(text)[1]).toBe(
      'Parallel implement: 5 tasks (1 done, 1 running, 1 waiting-lock, 1 failed, 1 dropped), speedup 2.4x, 4 conflicts: auto-resolved 75%, human 25%',
    );
  });

  it('says so when a parallel phase met no conflicts', () => {
    const calm = statusWith([]);
    const implement = calm.phases[1] as PhaseStatus;
    implement.parallel = {
      ...parallel,
      conflicts: [],
      autoResolutionRate: undefined,
      humanInterventionRate: undefined,
    };
    expect(renderStatus(RUN, calm)).toContain('speedup 2.4x, no conflicts');
  });

  it('leaves a run without parallel phases as it was', () => {
    const plain = statusWith([]);
    plain.phases = [phase('spec', 'done')];
    const out = renderStatus(RUN, plain);
    expect(out).not.toMatch(/Parallel|TASK|Merge queue/);
    expect(lines(out).slice(0, 4)).toEqual([
      `Run ${RUN} (feature-parallel)  WAITING  1/3 phases, 33%`,
      '',
      'PHASE  AGENT  STATE  ATTEMPTS  RUNS  TIME  COMMIT  TOKENS  OUTPUT',
      'spec   build  done   1         1',
    ]);
  });
});

describe('the gates of a parallel phase', () => {
  it('shows a conflict gate: each file with its class and three short sides, the worktree, and the commands', () => {
    const text = renderStatus(RUN, statusWith([conflictGate]));
    lineMatching(
      text,
      /^Conflict gate: implement could not merge task frontend by itself \(implement#1\) since 2026/,
    );
    lineMatching(text, /^ {2}src\/routes\/index\.ts {2}\[file\]$/);
    lineMatching(text, /^ {2}src\/new\\u000afile\.ts {2}\[naming\] {2}\(sides cut: large or binary\)$/);
    const all = lines(text);
    const at = all.findIndex((l) => l.startsWith('  src/routes/index.ts'));
    expect(all.slice(at + 1, at + 10)).toEqual([
      "    base:   | import a from './a';",
      '            | export default [a];',
      "    ours:   | import a from './a';",
      "            | import b from './backend';",
      '            | export default [a, b];',
      '            | ... (2 more lines)',
      "    theirs: | import a from './a';",
      "            | import f from './frontend';",
      '            | export default [a, f];',
    ]);
    lineMatching(text, /^ {4}base: {3}\(absent\)$/);
    lineMatching(text, /ours = the integration branch \(merged so far: backend\); theirs = task frontend\./);
    lineMatching(text, /^ {4}\/home\/you\/\.baton\/workspaces\/r1~worktrees\/implement$/);
    lineMatching(text, new RegExp(`^ {6}${BATON} approve ${RUN} implement$`));
    lineMatching(text, new RegExp(`^ {6}${BATON} reject ${RUN} implement$`));
    lineMatching(
      text,
      /^ {6}git -C '\/home\/you\/\.baton\/workspaces\/r1~worktrees\/implement' add -A && git -C '\/home\/you\/\.baton\/workspaces\/r1~worktrees\/implement' commit -m "Resolve the merge of frontend"$/,
    );
    const modify = lineMatching(text, new RegExp(`^ {6}${BATON} modify ${RUN} implement --set '`));
    // The printed --set works as printed: its dotted paths stay whole keys of `resolutions`.
    const set = /--set '(.*)'$/.exec(modify)?.[1] as string;
    expect(parsePairs([set], '--set', true).values).toEqual({
      resolutions: { 'src/routes/index.ts': 'frontend', 'src/new\nfile.ts': 'frontend' },
    });
  });

  it("shows a task's own gate and a failed task under <phase>.<task>, and the verify gate", () => {
    const text = renderStatus(RUN, statusWith([taskGate, failedGate, verifyGate]));
    lineMatching(text, /^Task gate open: Backend \(task backend of implement\) \(implement\.backend#1\)/);
    lineMatching(
      text,
      new RegExp(`Decide: ${BATON} approve\\|reject\\|retry\\|skip ${RUN} implement\\.backend `),
    );
    lineMatching(text, /^Task failed: task docs of implement \(implement\.docs#1\)/);
    lineMatching(text, /^ {2}error: the docs agent exited with code 2$/);
    lineMatching(text, new RegExp(`Decide: ${BATON} retry\\|skip\\|reject ${RUN} implement\\.docs `));
    lineMatching(text, /^Verify failed: implement \(implement#2\)/);
    lineMatching(text, /^ {2}error: build: 2 tests failed$/);
    lineMatching(text, new RegExp(`Retry: +${BATON} retry ${RUN} implement$`));
    lineMatching(text, /\(tasks you may drop: frontend, tests\)/);
  });

  it('lists parallel gates in the inbox with their kind and what to run next', () => {
    const item = (phase: string, kind: string): InboxItem => ({
      workflowId: RUN,
      template: 'feature-parallel',
      phase,
      kind,
      startTime: new Date(),
      openedAt: new Date().toISOString(),
    });
    const text = renderInbox([
      item('implement', 'conflict'),
      item('implement.backend', 'approval'),
      item('implement.docs', 'task-failed'),
    ]);
    expect(lines(text)[0]).toMatch(/^RUN\s+TEMPLATE\s+PHASE\s+KIND\s+WAITING\s+DECIDE WITH$/);
    lineMatching(text, new RegExp(`implement\\s+conflict\\s+\\S+\\s+${BATON} status ${RUN}$`));
    lineMatching(
      text,
      new RegExp(`implement\\.backend\\s+approval\\s+\\S+\\s+${BATON} approve ${RUN} implement\\.backend$`),
    );
    lineMatching(
      text,
      new RegExp(
        `implement\\.docs\\s+task-failed\\s+\\S+\\s+${BATON} retry\\|skip\\|reject ${RUN} implement\\.docs$`,
      ),
    );
  });
});

describe('a plan gate', () => {
  it('shows the predicted conflicts its output lists, and nothing extra for other outputs', () => {
    const plan = {
      kind: 'approval',
      id: 'decompose#1',
      phase: 'decompose',
      title: 'Plan',
      openedAt: '2026-12-02T00:00:00.000Z',
      output: {
        tasks: [],
        predictedConflicts: [{ tasks: ['alpha', 'beta'], paths: ['app/package.json', 'app/src/router.js'] }],
      },
    } as unknown as GateView;
    const text = renderStatus(RUN, statusWith([plan]));
    expect(text).toContain('  Predicted conflicts (overlapping paths, no order between the tasks):');
    expect(text).toContain('    alpha and beta: app/package.json, app/src/router.js');
    const other = { ...plan, output: { predictedConflicts: 'not a list' } } as unknown as GateView;
    expect(renderStatus(RUN, statusWith([other]))).not.toContain('alpha and beta');
  });
});
