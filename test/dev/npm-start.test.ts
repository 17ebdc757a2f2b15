import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/net';
import { waitFor } from '../helpers/env';

// `npm start` for real: prestart, npm, the dev server, the worker and the demo run, on ports and a
// BATON_HOME of its own, stopped by a signal to one PID as a supervisor, `timeout` or CI would.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GATE_LINE = 'approve the first gate with one of:';
// Each test starts a dev server and bundles the workflows: alone ~15 s, slower beside the suite.
const START_TIMEOUT_MS = 100_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
  /** Every process seen below it, for the cleanup after a failed test. */
  seen: Set<number>;
}

const ports = { grpc: 0, ui: 0 };
let home = '';
const started: Started[] = [];

/** Environment for a dev process of our own: no server, namespace or queue of the suite's. */
function devEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_HOME: home };
  for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'BATON_TASK_QUEUE']) delete env[name];
  return env;
}

function launch(command: string, args: string[]): Started {
  const child = spawn(command, [...args, '--port', String(ports.grpc), '--ui-port', String(ports.ui)], {
    cwd: ROOT,
    env: devEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const run = { child, output: () => text, exited, seen: new Set<number>() };
  started.push(run);
  return run;
}

const npmStart = () => launch('npm', ['start', '--']);

/** Fields 4 (ppid) and 3 (state) of /proc/<pid>/stat, after the command name in parentheses. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z';
};

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

/** Every process below the run's PID, with its command line. */
function treeOf(run: Started): { pid: number; cmd: string }[] {
  const tree = descendants(run.child.pid as number);
  tree.forEach((p) => run.seen.add(p.pid));
  return tree;
}

function descendants(root: number): { pid: number; cmd: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const s = stat(Number(entry));
    if (s) parents.set(Number(entry), s.ppid);
  }
  const below = (pid: number): number[] =>
    [...parents].filter(([, ppid]) => ppid === pid).flatMap(([child]) => [child, ...below(child)]);
  return below(root).map((pid) => ({ pid, cmd: commandLine(pid) }));
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Waits for the demo's gate line and returns the run id from the approve hint. */
async function demoRunId(run: Started): Promise<string> {
  const hint = (text: string) => /baton approve (\S+) spec/.exec(text.split(GATE_LINE)[1] ?? '');
  // The hint comes on the lines after the gate line, maybe in a later chunk of output: wait for it.
  await waitFor(
    async () => run.output(),
    (text) => hint(text) !== null || run.child.exitCode !== null,
    70_000,
  ).catch(() => undefined);
  const match = hint(run.output());
  if (!match)
    throw new Error(
      `no approve hint in the output (exit code ${run.child.exitCode}, signal ${run.child.signalCode}):\n${run.output()}`,
    );
  return match[1] as string;
}

/** Sends `signal` to the one PID and checks that it, everything below it, and the ports are gone. */
async function stopAndCheck(run: Started, signal: NodeJS.Signals): Promise<void> {
  const tree = treeOf(run);
  // The tree really holds what must stop: the dev server, its watchdog and the worker's process.
  expect(tree.map((p) => p.cmd).join('\n')).toMatch(/server start-dev .*--port \d+/);
  expect(tree.some((p) => /(bin\/baton\.js|src\/client\/bin\.ts) dev/.test(p.cmd))).toBe(true);
  expect(await listening(ports.grpc)).toBe(true);
  expect(await listening(ports.ui)).toBe(true);

  run.child.kill(signal);
  await waitFor(
    async () => [run.child.exitCode, run.child.signalCode],
    ([code, sig]) => code !== null || sig !== null,
    15_000,
  );
  await waitFor(
    async () => tree.filter((p) => alive(p.pid)).map((p) => `${p.pid} ${p.cmd}`),
    (left) => left.length === 0,
    10_000,
  );
  expect(await listening(ports.grpc)).toBe(false);
  expect(await listening(ports.ui)).toBe(false);
  expect(run.output()).toContain('[baton] stopped');
}

describe.skipIf(process.platform !== 'linux')('npm start, stopped by a signal to its PID', () => {
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'baton-home-'));
    ports.grpc = await freePort();
    do ports.ui = await freePort();
    while (ports.ui === ports.grpc);
  });

  // A failed test must not leave a dev server behind for the next one.
  afterEach(() => {
    for (const run of started.splice(0)) {
      treeOf(run);
      for (const pid of run.seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
      run.child.kill('SIGKILL');
    }
  });

  let firstRun = '';

  it(
    'SIGTERM to npm stops the worker and the dev server, and frees both ports',
    async () => {
      const run = npmStart();
      firstRun = await demoRunId(run);
      expect(firstRun).toMatch(/^node-express-api-demo-/);
      await stopAndCheck(run, 'SIGTERM');
    },
    START_TIMEOUT_MS,
  );

  it(
    'SIGINT to npm does the same; the second start reuses the waiting demo run',
    async () => {
      expect(firstRun).not.toBe('');
      const run = npmStart();
      expect(await demoRunId(run)).toBe(firstRun);
      expect(run.output()).toContain(`demo run ${firstRun} is still running from an earlier start`);
      expect(run.output()).not.toContain('demo run started');
      await stopAndCheck(run, 'SIGINT');
    },
    START_TIMEOUT_MS,
  );

  it(
    'a SIGKILLed `baton dev` still takes its dev server down (the watchdog)',
    async () => {
      const run = launch(process.execPath, ['bin/baton.js', 'dev']);
      await waitFor(
        async () => run.output(),
        (text) => text.includes('running until Ctrl-C') || run.child.exitCode !== null,
        70_000,
      );
      const tree = treeOf(run);
      expect(
        tree.filter((p) => /start-dev|watchdog/.test(p.cmd)),
        run.output(),
      ).toHaveLength(2);
      run.child.kill('SIGKILL');
      await waitFor(
        async () => tree.filter((p) => alive(p.pid)).map((p) => `${p.pid} ${p.cmd}`),
        (left) => left.length === 0,
        15_000,
      );
      expect(await listening(ports.grpc)).toBe(false);
      expect(await listening(ports.ui)).toBe(false);
    },
    START_TIMEOUT_MS,
  );
});
