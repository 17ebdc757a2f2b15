import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { quietLogger } from '../src/workers/bundle';

/**
 * The README's caveat on the `decide` update: an update accepted in the same workflow task as an
 * activity's completion was once seen to fail replay ("Update machine does not handle this event").
 * test/fixtures/decide-repro/ holds the smallest workflow of that shape and histories recorded by its
 * record.ts in each way the two can meet (cold worker, crashed worker's task timing out, warm worker;
 * and a handler that awaits a local activity, as signed decisions do). With SDK 1.24 they all replay:
 * the SDK applies the update before the activity's result, live and on replay alike. This test keeps
 * it so. If one of them ever fails with a nondeterminism error after an SDK upgrade, the bug is back:
 * keep signals as the default (src/client/decide.ts) and report it upstream with that history.
 */
Runtime.install({ logger: new DefaultLogger('ERROR') });
const DIR = fileURLToPath(new URL('./fixtures/decide-repro/', import.meta.url));
const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
type Event = temporal.api.history.v1.IHistoryEvent;
const { EventType } = (await import('@temporalio/proto')).temporal.api.enums.v1;

/** The events the workflow task that accepted the update was given (since the task before it). */
function eventsBeforeUpdate(events: Event[]): Event[] {
  const accepted = events.findIndex(
    (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  );
  const completed = events
    .slice(0, accepted)
    .findLastIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const before = events
    .slice(0, completed)
    .findLastIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  return events.slice(before + 1, completed);
}

describe('a decide update accepted with an activity result in one workflow task', () => {
  let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  beforeAll(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: join(DIR, 'workflow.ts'), logger: quietLogger });
  });

  it.each(files)('%s replays', async (file) => {
    const history = historyFromJSON(JSON.parse(await readFile(join(DIR, file), 'utf8')));
    const events = history.events ?? [];
    // The recording has the shape in question: the accepting task also got the activity's result.
    expect(eventsBeforeUpdate(events).map((e) => e.eventType)).toContain(
      EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    );
    const workflowId = events[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? file;
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
  });
});
