import { statusQuery } from '../shared/messages';
import { BatonPendingGates, BatonTemplate } from '../shared/search-attributes';
import type { InboxItem } from './api-schemas';
import type { Baton } from './connect';
import { handleOf } from './run-info';

/** Inbox queries many runs and falls back to search attributes, so it waits less for each. */
const INBOX_QUERY_TIMEOUT_MS = 3_000;

/**
 * Open gates across all running runs, found through the `BatonPendingGates` search attribute. Each
 * run's status adds when its gates opened and their instructions; the runs are asked all at once,
 * and one that does not answer soon (no worker) is listed from its search attributes alone.
 */
export async function inbox(baton: Baton): Promise<InboxItem[]> {
  const query = `ExecutionStatus = "Running" AND BatonPendingGates IS NOT NULL`;
  const runs = [];
  for await (const run of baton.client.workflow.list({ query })) runs.push(run);
  const timeoutMs = Math.min(baton.queryTimeoutMs, INBOX_QUERY_TIMEOUT_MS);
  const statuses = await Promise.all(
    runs.map((run) =>
      baton.connection
        .withDeadline(Date.now() + timeoutMs, () => handleOf(baton, run.workflowId).query(statusQuery))
        .catch(() => undefined),
    ),
  );
  return runs.flatMap((run, i) => {
    const status = statuses[i];
    const gates = run.typedSearchAttributes.get(BatonPendingGates) ?? [];
    const template = run.typedSearchAttributes.get(BatonTemplate);
    const parent = run.parentExecution?.workflowId;
    return gates.map((phase): InboxItem => {
      const gate = status?.gates.find((g) => g.phase === phase);
      return {
        workflowId: run.workflowId,
        template,
        phase,
        kind: gate?.kind,
        startTime: run.startTime,
        openedAt: gate?.openedAt,
        instructions: gate?.instructions,
        ...(parent ? { parent } : {}),
        ...(status ? {} : { unanswered: true as const }),
      };
    });
  });
}
