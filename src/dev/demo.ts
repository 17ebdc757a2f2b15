import { join } from 'node:path';
import type { BatonApi } from '../client/api';
import type { Baton } from '../client/connect';
import { renderStatus } from '../client/cli/format';
import { isFinalState } from '../client/status-query';
import { findOnPath, temporalCommand } from './temporal-cli';

/** The demo run of `baton dev --demo` (`npm start`): started, or picked up again, and brought to its first gate. */

export const say = (line: string) => console.log(`[baton] ${line}`);

/** The demo's template, and the id prefix that marks the runs `baton dev --demo` starts. */
const DEMO = {
  template: 'node-express-api',
  idPrefix: 'node-express-api-demo-',
  requirements:
    'A REST API for a library: books (title, isbn, published date) and authors (name); a loan links a book to a member and has a due date',
} as const;

/** Waits for the run's first gate, prints the run, and returns the gate's phase (undefined if it ends or stops). */
export async function waitForFirstGate(api: BatonApi, id: string, stopped: () => boolean) {
  for (let i = 0; i < 600 && !stopped(); i++) {
    const status = await api.status({ id }).catch(() => undefined);
    const gate = status?.gates[0];
    if (status && gate) {
      console.log(`\n${renderStatus(id, status)}\n`);
      if (status.result) {
        say(
          `the generated project goes to ${join(status.result.workspace, 'app')} (the run's workspace, once codegen has run)`,
        );
        say(
          'on your own repository instead: baton start node-express-api --repo PATH (a branch), or --out DIR (a directory)',
        );
      }
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

async function batonCommand(): Promise<string> {
  return (await findOnPath('baton')) ? 'baton' : 'npx baton';
}

export async function printApproveHints(address: string, id: string, phase: string): Promise<void> {
  const input = JSON.stringify({ phase, action: 'approve', by: 'you' });
  say('approve the first gate with one of:');
  console.log(`    ${await batonCommand()} approve ${id} ${phase}`);
  console.log(
    `    ${await temporalCommand()} workflow signal --address ${address} --workflow-id ${id} --name approval --input '${input}'`,
  );
}

/** Starts the demo run, or finds the one an earlier `npm start` left waiting, and returns its id. */
export async function demoRun(api: BatonApi, baton: Baton): Promise<string> {
  const waiting = await findDemoRun(baton);
  if (waiting) {
    say(`demo run ${waiting} is still running from an earlier start; reusing it`);
    say(`(for a fresh one: ${await batonCommand()} cancel ${waiting}, then start again)`);
    return waiting;
  }
  const { workflowId } = await api.start({
    template: DEMO.template,
    id: demoRunId(),
    params: { requirements: DEMO.requirements },
  });
  say(`requirements: "${DEMO.requirements}"`);
  say(`demo run started: ${workflowId}`);
  return workflowId;
}
