/** What the notification tests share: a worker config with sinks, and a run's events as a receiver saw them. */
import type { BatonConfig } from '../../src/config';
import type { NotificationSink } from '../../src/config/notifications';
import { NotificationEventSchema, type NotificationEvent } from '../../src/shared/notifications';
import type { WebhookRequest } from '../helpers/webhook';

/** A worker config built in code: no providers, only the sinks. */
export const sinksConfig = (notifications: NotificationSink[]): BatonConfig => ({
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  notifications,
});

/** The bodies a receiver took (2xx) for one run, each parsed as the event schema says. */
export const eventsOf = (received: readonly unknown[], workflowId: string): NotificationEvent[] =>
  received
    .map((body) => NotificationEventSchema.parse(body))
    .filter((event) => event.workflowId === workflowId);

/** Every request (whatever it was answered) for one run's events, in arrival order. */
export const requestsOf = (requests: readonly WebhookRequest[], workflowId: string): WebhookRequest[] =>
  requests.filter((r) => (r.body as { workflowId?: string }).workflowId === workflowId);

/** A one-phase definition whose phase waits for approval. */
export const gated = (name: string, approval: Record<string, unknown> = {}) => ({
  name,
  phases: [{ id: 'spec', title: 'Review the spec', agent: 'echo', input: { text: 'v1' }, approval }],
});
