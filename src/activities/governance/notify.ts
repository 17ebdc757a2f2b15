import { log } from '@temporalio/activity';
import type { NotifyGateInput, NotifyGateResult } from '../../shared/activity-contract';
import type { GovernanceDeps } from './index';

/**
 * A gate's reminder or escalation: a line in the worker log, and a POST of the input as JSON to
 * the configured webhook (`notify.webhook`, `BATON_NOTIFY_WEBHOOK`). A webhook that fails is
 * reported in the result, never as a failure: a notification must not stop a run.
 */
export function createNotifyGate(deps: GovernanceDeps) {
  const webhook = deps.config?.notify?.webhook;
  return async (input: NotifyGateInput): Promise<NotifyGateResult> => {
    log.info(`gate ${input.event}: ${input.message}`, {
      workflowId: input.workflowId,
      gate: input.gate,
      to: input.to,
    });
    if (!webhook) return { delivered: ['log'] };
    try {
      const response = await fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) return { delivered: ['log'], error: `webhook answered HTTP ${response.status}` };
      return { delivered: ['log', 'webhook'] };
    } catch (error) {
      return { delivered: ['log'], error: `webhook ${new URL(webhook).host}: ${(error as Error).message}` };
    }
  };
}
