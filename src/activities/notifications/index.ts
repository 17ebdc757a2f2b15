/**
 * Delivering a run's notification events (issue 11) to the sinks in the worker's config. A regular
 * activity: the run starts it in the background and Temporal retries it with backoff. Each attempt
 * heartbeats which sinks took the event, so a retry sends only to the ones that did not: a healthy
 * sink does not get the event again because another is down. A receiver that got it anyway (the
 * worker died before the heartbeat reached the server) dedupes on the event's id.
 */
import { createHash } from 'node:crypto';
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import type { BatonConfig } from '../../config';
import type { NotificationSink } from '../../config/notifications';
import type { Env } from '../../config/schema';
import type { DeliverNotificationInput, DeliverNotificationResult } from '../../shared/activity-contract';
import { NotificationEventSchema, sinkWants } from '../../shared/notifications';
import { heartbeatEvery, startHeartbeat } from '../heartbeat';
import { deliveryFailure, NOTIFICATION_FAILURES, SinkError } from './failure';
import { SINKS } from './sinks';

export interface NotificationDeps {
  config?: BatonConfig;
  env?: Env;
}

/** What an attempt heartbeats: the sinks (by key) that took the event, and those that refused it for good. */
const ProgressSchema = z.object({
  delivered: z.array(z.string()),
  refused: z.array(z.object({ key: z.string(), error: z.string() })),
});
type Progress = z.infer<typeof ProgressSchema>;

/**
 * A sink's key across attempts and worker restarts: its kind and a hash of where it sends, so two
 * sinks on one host stay apart and no URL (Slack's holds a token) or secret enters history.
 */
function sinkKey(sink: NotificationSink): string {
  const where = sink.url ?? sink.command?.join('\0') ?? '';
  return `${sink.kind}:${createHash('sha256').update(where).digest('hex').slice(0, 16)}`;
}

function earlierProgress(): Progress {
  const parsed = ProgressSchema.safeParse(activityInfo().heartbeatDetails);
  return parsed.success ? parsed.data : { delivered: [], refused: [] };
}

export function createNotificationActivities(deps: NotificationDeps = {}) {
  const sinks = deps.config?.notifications ?? [];
  const env = deps.env ?? process.env;
  return {
    async deliverNotification({
      notification,
    }: DeliverNotificationInput): Promise<DeliverNotificationResult> {
      const parsed = NotificationEventSchema.safeParse(notification);
      if (!parsed.success)
        throw ApplicationFailure.create({
          message: `not a notification event: ${z.prettifyError(parsed.error)}`,
          type: NOTIFICATION_FAILURES.refused,
          nonRetryable: true,
        });
      const event = parsed.data;
      const progress = earlierProgress();
      const send = startHeartbeat(heartbeat, () => progress, {
        everyMs: heartbeatEvery(activityInfo().heartbeatTimeoutMs),
      });
      const signal = cancellationSignal();
      const delivered: string[] = [];
      const errors: SinkError[] = [];
      try {
        for (const sink of sinks) {
          if (!sinkWants(sink, event.event, event.template, event.workflowId)) continue;
          const key = sinkKey(sink);
          const spec = SINKS[sink.kind];
          const label = spec.label(sink);
          if (progress.delivered.includes(key)) {
            delivered.push(label);
            continue;
          }
          const refused = progress.refused.find((r) => r.key === key);
          if (refused) {
            errors.push(new SinkError(label, `${refused.error} (in an earlier attempt)`, false));
            continue;
          }
          try {
            await spec.deliver(sink, event, { env, signal });
            progress.delivered.push(key);
            delivered.push(label);
          } catch (error) {
            if (signal.aborted || error instanceof CancelledFailure) throw error;
            const failure =
              error instanceof SinkError ? error : new SinkError(label, (error as Error).message, true);
            if (!failure.retryable) progress.refused.push({ key, error: failure.reason });
            errors.push(failure);
          }
          send.beat();
        }
      } finally {
        send.stop();
      }
      if (errors.length) throw deliveryFailure(errors, delivered);
      return { delivered };
    },
  };
}
