/**
 * Delivering a run's notification events (issue 11) to the sinks in the worker's config.
 * A regular activity: Temporal retries it with backoff, and the run does not wait on it.
 */
import type { BatonConfig } from '../../config';
import type { DeliverNotificationInput, DeliverNotificationResult } from '../../shared/activity-contract';
import { sinkWants } from '../../shared/notifications';

export interface NotificationDeps {
  config?: BatonConfig;
  env?: Record<string, string | undefined>;
}

export function createNotificationActivities(deps: NotificationDeps = {}) {
  const sinks = deps.config?.notifications ?? [];
  return {
    async deliverNotification({ notification }: DeliverNotificationInput): Promise<DeliverNotificationResult> {
      const delivered: string[] = [];
      for (const sink of sinks) {
        if (!sinkWants(sink, notification.event, notification.template, notification.workflowId)) continue;
        if (sink.kind !== 'webhook' || !sink.url) continue;
        const response = await fetch(sink.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(notification),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) throw new Error(`webhook ${new URL(sink.url).host} answered HTTP ${response.status}`);
        delivered.push(`webhook:${new URL(sink.url).host}`);
      }
      return { delivered };
    },
  };
}
