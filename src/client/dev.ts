import { ensureServer, findTemporalCli, type DevServer } from '../../scripts/dev-server';
import { holdShutdownSignals, startWorker, type RunningWorker } from '../workers/run-worker';
import { renderStatus } from './format';
import { connect, getStatus, isFinalState, startRun } from './runs';

const say = (line: string) => console.log(`[baton] ${line}`);

/** `baton worker`: a worker on the task queue until SIGINT/SIGTERM. */
export async function runWorkerCommand(): Promise<void> {
  const release = holdShutdownSignals(
    (n) => n === 1 && say('stopping: finishing in-flight tasks (Ctrl-C twice more to force)'),
  );
  try {
    const running = await startWorker();
    const { taskQueue, namespace } = running.worker.options;
    say(`worker polling task queue "${taskQueue}" in namespace "${namespace}"; Ctrl-C stops it`);
    await running.done;
    say('worker stopped');
  } finally {
    release();
  }
}

async function waitForFirstGate(id: string, stopped: () => boolean): Promise<string | undefined> {
  const baton = await connect();
  try {
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
  } finally {
    await baton.close();
  }
}

/**
 * `baton dev` and `npm start`: a dev server (unless TEMPORAL_ADDRESS is set), a worker, and with
 * `demo` a run of node-express-api brought to its first gate. Runs until Ctrl-C, then stops cleanly.
 */
export async function runDev(options: { demo: boolean; port: number }): Promise<void> {
  let server: DevServer | undefined;
  let worker: RunningWorker | undefined;
  const release = holdShutdownSignals(
    (n) => n === 1 && say('stopping: worker, then the dev server (Ctrl-C twice more to force)'),
  );
  try {
    server = await ensureServer({ port: options.port, log: say });
    process.env.TEMPORAL_ADDRESS = server.address;
    say(
      `Temporal server at ${server.address}${server.owned ? ` (dev server, data in ${server.dbFile})` : ''}`,
    );
    if (server.uiUrl) say(`Web UI: ${server.uiUrl}`);
    worker = await startWorker({ address: server.address });
    say(`worker polling task queue "${worker.worker.options.taskQueue}"`);

    if (options.demo) {
      const baton = await connect({ address: server.address });
      const { workflowId } = await startRun(baton, { template: 'node-express-api' }).finally(() =>
        baton.close(),
      );
      say(`demo run started: ${workflowId}`);
      if (server.uiUrl)
        say(`watch it: ${server.uiUrl}/namespaces/${server.namespace}/workflows/${workflowId}`);
      const running = worker;
      const phase = await waitForFirstGate(workflowId, () => running.worker.getState() !== 'RUNNING');
      if (phase) {
        say('approve the first gate with one of:');
        console.log(`    npx baton approve ${workflowId} ${phase}`);
        const cli = (await findTemporalCli()) ?? 'temporal';
        const onPath = (process.env.PATH ?? '').split(':').some((dir) => cli === `${dir}/temporal`);
        console.log(
          `    ${onPath ? 'temporal' : cli} workflow signal --address ${server.address} --workflow-id ${workflowId} --name approval --input '{"phase":"${phase}","action":"approve","by":"you"}'`,
        );
      }
    }
    say('running until Ctrl-C');
    await worker.done;
  } finally {
    if (worker) await worker.stop().catch(() => undefined);
    if (server) await server.stop();
    release();
    say('stopped');
  }
}
