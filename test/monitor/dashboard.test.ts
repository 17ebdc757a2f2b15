import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ansiToSvg } from '../../src/client/monitor/ansi-svg';
import { DashboardSnapshotSchema } from '../../src/client/monitor/schemas';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { cli, PATH_WITHOUT_BATON } from '../client/cli-helpers';
import { monitorAgents, startDefinition } from './monitor-helpers';

const TMUX = '/usr/bin/tmux';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'src/client/bin.ts');
const run = promisify(execFile);

const shared = useWorker({ prefix: 'monitor-dash', agents: monitorAgents() });
const { json } = cli(shared);

function requireTmux(): void {
  try {
    accessSync(TMUX, constants.X_OK);
  } catch {
    throw new Error(
      `The dashboard test reads a real terminal through tmux, and ${TMUX} is missing: install tmux (apt-get install tmux).`,
    );
  }
}

/** A tmux server of the test's own (its own socket), so nothing of the user's is touched. */
function tmux(socket: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: PATH_WITHOUT_BATON,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    BATON_TASK_QUEUE: shared.taskQueue,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
  };
  delete env.NO_COLOR;
  delete env.TMUX;
  const call = (...args: string[]) =>
    run(TMUX, ['-u', '-L', socket, '-f', '/dev/null', ...args], { env, cwd: ROOT });
  return {
    call,
    screen: async (colours = false) =>
      (await call('capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', 'dash')).stdout,
    alive: () =>
      call('has-session', '-t', 'dash').then(
        () => true,
        () => false,
      ),
    kill: () => call('kill-server').catch(() => undefined),
  };
}

const sockets: ReturnType<typeof tmux>[] = [];
afterAll(async () => {
  for (const t of sockets) await t.kill();
});

/** Two runs of one template: one waits at its approval gate, one is at work in a long phase. */
async function twoActiveRuns(template: string) {
  const gated = uniqueId('dash-gate');
  const busy = uniqueId('dash-busy');
  await startDefinition(shared.baton, gated, {
    name: template,
    phases: [{ id: 'review', agent: 'echo', input: { what: 'spec' }, approval: { instructions: 'Look.' } }],
  });
  await waitForGate(shared.baton, gated, 'review');
  await startDefinition(shared.baton, busy, {
    name: template,
    phases: [
      { id: 'work', agent: 'sleep', input: { ms: 120_000 } },
      { id: 'after', agent: 'echo', needs: ['work'], input: {} },
    ],
  });
  await waitFor(
    () => queryStatus(shared.baton, busy),
    (s) => s.phases[0]?.state === 'running',
  );
  return { gated, busy };
}

const cancel = (id: string) => shared.baton.client.workflow.getHandle(id).cancel();

describe('baton dashboard', { timeout: 180_000 }, () => {
  it('in a real terminal (tmux): two active runs, the one waiting on a person first, and q restores the screen', async () => {
    requireTmux();
    const template = uniqueId('dash');
    const { gated, busy } = await twoActiveRuns(template);
    const t = tmux(uniqueId('baton-test'));
    sockets.push(t);
    try {
      await t.call(
        'new-session',
        '-d',
        '-s',
        'dash',
        '-x',
        '150',
        '-y',
        '20',
        process.execPath,
        '--import',
        'tsx',
        BIN,
        'dashboard',
        '--template',
        template,
      );
      const screen = await waitFor(
        () => t.screen(),
        (s) => s.includes('2 active runs · 1 needs a human') && s.includes(gated) && s.includes(busy),
        60_000,
      );
      const lines = screen.split('\n');
      const header = lines.findIndex((l) => l.startsWith('RUN'));
      const gatedRow = lines.find((l) => l.includes(gated)) as string;
      const busyRow = lines.find((l) => l.includes(busy)) as string;
      expect(header).toBeGreaterThan(0);
      expect(lines[header]).toMatch(
        /RUN +TEMPLATE +STAGE +AGENTS r\/d\/w +PROGRESS +ETA +APPROVALS +CONFLICTS/,
      );
      // The run waiting on a person comes first.
      expect(lines.indexOf(gatedRow)).toBe(header + 1);
      expect(lines.indexOf(busyRow)).toBe(header + 2);
      expect(gatedRow).toMatch(/review +0\/0\/1 +░{10} +0% +0s \+gate +review \d/);
      expect(busyRow).toMatch(/work +1\/0\/1 +░{10} +0% +— +- +-/);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(150);

      if (process.env.BATON_DASHBOARD_SCREENSHOT) {
        await mkdir(join(ROOT, 'docs/images'), { recursive: true });
        const svg = ansiToSvg(await t.screen(true), { columns: 150, title: 'baton dashboard' });
        await writeFile(join(ROOT, 'docs/images/dashboard.svg'), svg);
      }

      // The frame refreshes: the gate's age moves on without a new row.
      const age = (s: string) =>
        /review (\d+(?:\.\d)?s)/.exec(s.split('\n').find((l) => l.includes(gated)) ?? '')?.[1];
      const first = age(screen);
      await waitFor(
        () => t.screen(),
        (s) => age(s) !== undefined && age(s) !== first,
        30_000,
      );

      await t.call('send-keys', '-t', 'dash', 'q');
      await waitFor(
        () => t.alive(),
        (alive) => !alive,
        30_000,
      );
    } finally {
      await t.kill();
      await Promise.all([cancel(gated), cancel(busy)]);
    }
  });

  it('--json prints one snapshot that matches its schema and the runs', async () => {
    const template = uniqueId('dash-json');
    const { gated, busy } = await twoActiveRuns(template);
    try {
      const snapshot = DashboardSnapshotSchema.parse(await json(['dashboard', '--template', template]));
      expect(snapshot.runs.map((r) => r.workflowId)).toEqual([gated, busy]);
      const [waiting, working] = snapshot.runs;
      expect(waiting).toMatchObject({
        template,
        state: 'waiting',
        needsHuman: true,
        stage: ['review'],
        agents: { running: 0, done: 0, waiting: 1, total: 1 },
        progress: { done: 0, total: 1, percent: 0 },
        gates: [{ id: 'review#1', phase: 'review', kind: 'approval' }],
        conflicts: { total: 0 },
      });
      expect(waiting!.gates[0]!.ageMs).toBeGreaterThanOrEqual(0);
      expect(working).toMatchObject({
        state: 'running',
        needsHuman: false,
        stage: ['work'],
        agents: { running: 1, done: 0, waiting: 1, total: 2 },
        gates: [],
        eta: { missing: ['work', 'after'], basedOnRuns: 0 },
      });
    } finally {
      await Promise.all([cancel(gated), cancel(busy)]);
    }
  });
});
