/**
 * Records one history per template into test/fixtures/histories/, for the replay test.
 * Each run goes through its gates with every kind of decision transport (update and signal), so
 * the replay covers them. Run after an intentional workflow change that is guarded by patched().
 *
 *   npm run record-histories -- v2
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { connect, decide, getStatus, startRun, waitForResult } from '../src/client/runs';
import { listTemplates } from '../src/client/templates';
import { workflowBundle } from '../src/workers/bundle';
import { ensureServer, findTemporalCli, freePort } from './dev-server';

Runtime.install({ logger: new DefaultLogger('WARN') });
const OUT = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));

const run = promisify(execFile);
/** `npm run record-histories -- v3`: the version tag in the file names; older files are kept. */
const tag = process.argv[2];
if (!tag || !/^[a-z0-9-]+$/i.test(tag))
  throw new Error('Usage: npm run record-histories -- <tag>, e.g. v2 (files become <template>.<tag>.json)');
const cli = await findTemporalCli();
if (!cli)
  throw new Error('record-histories needs the Temporal CLI: run `npx tsx scripts/dev-server.ts install`');
const dir = await mkdtemp(join(tmpdir(), 'baton-record-'));
const server = await ensureServer({
  port: await freePort(),
  dbFile: join(dir, 'temporal.db'),
  headless: true,
});
const taskQueue = 'baton-record';
const connection = await NativeConnection.connect({ address: server.address });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowBundle: await workflowBundle(),
  activities: createActivities({ workspaceRoot: join(dir, 'workspaces') }),
});
const baton = await connect({ address: server.address, taskQueue });

await worker.runUntil(async () => {
  for (const template of await listTemplates()) {
    const { workflowId } = await startRun(baton, { template: template.name, id: `record-${template.name}` });
    let via: 'update' | 'signal' = 'update';
    for (;;) {
      const status = await getStatus(baton, workflowId);
      if (['completed', 'rejected', 'failed'].includes(status.state)) break;
      const gate = status.gates[0];
      if (gate) {
        await decide(
          baton,
          workflowId,
          { phase: gate.phase, action: 'approve', by: 'recorder', comment: `via ${via}` },
          { via },
        );
        via = via === 'update' ? 'signal' : 'update';
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const summary = await waitForResult(baton, workflowId);
    // The CLI writes the canonical proto3 JSON that historyFromJSON reads back.
    const { stdout } = await run(
      cli,
      ['workflow', 'show', '--address', server.address, '--workflow-id', workflowId, '--output', 'json'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    await writeFile(join(OUT, `${template.name}.${tag}.json`), stdout);
    console.log(
      `${template.name}: ${summary.state}, ${(JSON.parse(stdout) as { events: unknown[] }).events.length} events`,
    );
  }
});
await baton.close();
await connection.close();
await server.stop();
