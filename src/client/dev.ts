import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import {
  DevServerError,
  ensureServer,
  ensureTemporalCli,
  findOnPath,
  findTemporalCli,
  type DevServer,
} from '../../scripts/dev-server';
import { holdShutdownSignals, startWorker, type RunningWorker } from '../workers/run-worker';
import { BatonError } from './errors';
import { renderStatus } from './format';
import { connect, getStatus, isFinalState, startRun, type Baton } from './runs';

const say = (line: string) => console.log(`[baton] ${line}`);

/** The demo's template, and the id prefix that marks the runs `baton dev --demo` starts. */
const DEMO = { template: 'node-express-api', idPrefix: 'node-express-api-demo-' } as const;

/**
 * Ends this process's work when its parent dies. `npx baton …` and npm scripts run us under
 * `sh -c`, which dies on SIGTERM without passing it on: we would run on, orphaned. Noticing the
 * new parent turns that into the SIGTERM we should have had, so one shutdown path serves all.
 */
function stopWhenOrphaned(): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    say(`parent process ${parent} exited; stopping`);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** `baton worker`: a worker on the task queue until SIGINT/SIGTERM. */
export async function runWorkerCommand(): Promise<void> {
  const release = holdShutdownSignals(
    (n) => n === 1 && say('stopping: finishing in-flight tasks (Ctrl-C twice more to force)'),
  );
  const unwatch = stopWhenOrphaned();
  try {
    const running = await startWorker();
    const { taskQueue, namespace } = running.worker.options;
    say(`worker polling task queue "${taskQueue}" in namespace "${namespace}"; Ctrl-C stops it`);
    await running.done;
    say('worker stopped');
  } finally {
    unwatch();
    release();
  }
}

async function waitForFirstGate(baton: Baton, id: string, stopped: () => boolean) {
  for (let i = 0; i < 600 && !stopped(); i++) {
    const status = await getStatus(baton, id).catch(() => undefined);
    const gate = status?.gates[0];
    if (status && gate) {
      console.log(`\n${renderStatus(id, status)}\n`);
      return gate.phase;
    }
    if (status && isFinalState(status.state)) return undefined;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

/** The newest demo run still running on this task queue: a second `npm start` picks it up. */
async function findDemoRun(baton: Baton): Promise<string | undefined> {
  const query = `WorkflowType = "pipeline" AND ExecutionStatus = "Running" AND BatonTemplate = "${DEMO.template}"`;
  for await (const run of baton.client.workflow.list({ query }))
    if (run.workflowId.startsWith(DEMO.idPrefix) && run.taskQueue === baton.taskQueue) return run.workflowId;
  return undefined;
}

function demoRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${DEMO.idPrefix}${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * How to run the Temporal CLI from the user's shell: `temporal` when that is on PATH, else the
 * binary's full path, else `npx baton temporal` (which finds or builds it).
 */
export async function temporalCommand(): Promise<string> {
  const cli = await findTemporalCli();
  if (!cli) return 'npx baton temporal';
  return cli === (await findOnPath('temporal')) ? 'temporal' : cli;
}

async function batonCommand(): Promise<string> {
  return (await findOnPath('baton')) ? 'baton' : 'npx baton';
}

async function printApproveHints(address: string, id: string, phase: string): Promise<void> {
  const input = JSON.stringify({ phase, action: 'approve', by: 'you' });
  say('approve the first gate with one of:');
  console.log(`    ${await batonCommand()} approve ${id} ${phase}`);
  console.log(
    `    ${await temporalCommand()} workflow signal --address ${address} --workflow-id ${id} --name approval --input '${input}'`,
  );
}

/** Starts the demo run, or finds the one an earlier `npm start` left waiting, and returns its id. */
async function demoRun(baton: Baton): Promise<string> {
  const waiting = await findDemoRun(baton);
  if (waiting) {
    say(`demo run ${waiting} is still running from an earlier start; reusing it`);
    say(`(for a fresh one: ${await batonCommand()} cancel ${waiting}, then start again)`);
    return waiting;
  }
  const { workflowId } = await startRun(baton, { template: DEMO.template, id: demoRunId() });
  say(`demo run started: ${workflowId}`);
  return workflowId;
}

function checkPort(flag: string, value: number | string): number {
  const port = Number(value);
  if (/^\d+$/.test(String(value)) && port > 0 && port < 65536) return port;
  throw new BatonError(`${flag} "${value}" is not a TCP port; give a whole number from 1 to 65535.`);
}

export interface DevOptions {
  demo: boolean;
  /** The dev server's gRPC port (a string as typed on the command line is checked too). */
  port: number | string;
  /** The Web UI's port; --port + 1000 when omitted. */
  uiPort?: number | string;
}

/**
 * `baton dev` and `npm start`: a dev server (unless TEMPORAL_ADDRESS is set), a worker, and with
 * `demo` a run of node-express-api brought to its first gate. Runs until SIGINT or SIGTERM (or
 * until its parent dies), then stops the worker and the dev server.
 */
export async function runDev(options: DevOptions): Promise<void> {
  const port = checkPort('--port', options.port);
  const uiPort = checkPort('--ui-port', options.uiPort ?? port + 1000);
  let server: DevServer | undefined;
  let worker: RunningWorker | undefined;
  let stopping = false;
  let onStop = () => undefined as void;
  const stopRequested = new Promise<undefined>((resolve) => (onStop = () => resolve(undefined)));
  const release = holdShutdownSignals((n) => {
    stopping = true;
    onStop();
    if (n === 1) say('stopping: worker, then the dev server (Ctrl-C twice more to force)');
  });
  const unwatch = stopWhenOrphaned();
  try {
    server = await ensureServer({ port, uiPort, log: say }).catch((error: unknown) => {
      throw error instanceof DevServerError ? new BatonError(error.message, { cause: error }) : error;
    });
    if (stopping) return;
    process.env.TEMPORAL_ADDRESS = server.address;
    say(
      `Temporal server at ${server.address}${server.owned ? ` (dev server, data in ${server.dbFile})` : ''}`,
    );
    if (server.uiUrl) say(`Web UI: ${server.uiUrl}`);
    worker = await startWorker({ address: server.address });
    // A signal that came while the worker started found only our listener; pass it on.
    if (stopping) return;
    say(`worker polling task queue "${worker.worker.options.taskQueue}"`);

    if (options.demo) {
      const baton = await connect({ address: server.address });
      try {
        const id = await demoRun(baton);
        if (server.uiUrl) say(`watch it: ${server.uiUrl}/namespaces/${server.namespace}/workflows/${id}`);
        // A status query in flight must not hold up a stop: race it.
        const phase = await Promise.race([waitForFirstGate(baton, id, () => stopping), stopRequested]);
        if (phase) await printApproveHints(server.address, id, phase);
      } finally {
        await baton.close();
      }
    }
    if (!stopping) say('running until Ctrl-C (or SIGTERM)');
    await worker.done;
  } finally {
    unwatch();
    if (worker) await worker.stop().catch(() => undefined);
    if (server) await server.stop();
    release();
    say('stopped');
  }
}

/**
 * `baton temporal …`: the Temporal CLI that `baton dev` uses (found, or built once), with the
 * arguments, stdio and exit code passed through. TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE reach it
 * through the environment, which it reads too.
 */
export async function runTemporal(args: string[]): Promise<number> {
  const cli = await ensureTemporalCli((line) => console.error(`[baton] ${line}`));
  if (!cli)
    throw new BatonError(
      'No Temporal CLI here, and it could not be built. Install Go (https://go.dev/dl/) and run this again, ' +
        'or install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_CLI=/path/to/temporal.',
    );
  const child = spawn(cli, args, { stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the CLI itself; a signal sent to this process only is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  signals.forEach((s) => process.on(s, forward));
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) =>
        reject(
          new BatonError(`Could not run the Temporal CLI at ${cli}: ${error.message}`, { cause: error }),
        ),
      );
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 1)));
    });
  } finally {
    signals.forEach((s) => process.off(s, forward));
  }
}
