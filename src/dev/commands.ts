import { createApi } from '../client/api';
import { connect } from '../client/connect';
import { BatonError } from '../client/errors';
import { plaintextAt, temporalSettings, type TemporalSettings } from '../shared/temporal-settings';
import { checkConcurrency, DEFAULT_CONCURRENCY } from '../workers/concurrency';
import { holdShutdownSignals, startWorker, type RunningWorker } from '../workers/run-worker';
import { startConsole } from './console-server';
import { demoRun, printApproveHints, say, waitForFirstGate } from './demo';
import { ensureServer, type DevServer } from './server';

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
export async function runWorkerCommand(flags: { concurrency?: string } = {}): Promise<void> {
  const concurrency = flags.concurrency === undefined ? undefined : checkConcurrency(flags.concurrency);
  const release = holdShutdownSignals(
    (n) => n === 1 && say('stopping: finishing in-flight tasks (Ctrl-C twice more to force)'),
  );
  const unwatch = stopWhenOrphaned();
  try {
    const running = await startWorker(concurrency === undefined ? {} : { concurrency });
    const { taskQueue, namespace } = running.worker.options;
    say(
      `worker polling task queue "${taskQueue}" in namespace "${namespace}", up to ${concurrency ?? DEFAULT_CONCURRENCY} phases at once; Ctrl-C stops it`,
    );
    if (running.metricsUrl) say(`Prometheus metrics at ${running.metricsUrl}`);
    await running.done;
    say('worker stopped');
  } finally {
    unwatch();
    release();
  }
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

/** The settings to reach `server`: the environment's for a server it names, plaintext for our own. */
function settingsFor(server: DevServer): TemporalSettings {
  const settings = temporalSettings(process.env);
  return process.env.TEMPORAL_ADDRESS ? settings : plaintextAt(settings, server.address);
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
  let frontDoor: { close(): Promise<void> } | undefined;
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
    server = await ensureServer({ port, uiPort, log: say });
    if (stopping) return;
    const settings = settingsFor(server);
    process.env.TEMPORAL_ADDRESS = server.address;
    say(
      `Temporal server at ${server.address}${server.owned ? ` (dev server, data in ${server.dbFile})` : ''}`,
    );
    if (server.uiUrl) say(`Web UI: ${server.uiUrl}`);
    worker = await startWorker({ settings });
    // A signal that came while the worker started found only our listener; pass it on.
    if (stopping) return;
    say(`worker polling task queue "${worker.worker.options.taskQueue}"`);
    if (worker.metricsUrl) say(`Prometheus metrics at ${worker.metricsUrl}`);
    frontDoor = await startConsole(settings, say);

    if (options.demo) {
      const baton = await connect({ settings });
      const api = createApi({ baton });
      try {
        const id = await demoRun(api, baton);
        if (server.uiUrl) say(`watch it: ${server.uiUrl}/namespaces/${server.namespace}/workflows/${id}`);
        // A status query in flight must not hold up a stop: race it.
        const phase = await Promise.race([waitForFirstGate(api, id, () => stopping), stopRequested]);
        if (phase) await printApproveHints(server.address, id, phase);
      } finally {
        await baton.close();
      }
    }
    if (!stopping) say('running until Ctrl-C (or SIGTERM)');
    await worker.done;
  } finally {
    unwatch();
    if (frontDoor) await frontDoor.close().catch(() => undefined);
    if (worker) await worker.stop().catch(() => undefined);
    if (server) await server.stop();
    release();
    say('stopped');
  }
}
