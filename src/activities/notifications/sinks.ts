/** The sink kinds, one table: how each is named in messages and how it takes an event. */
import type { NotificationSink } from '../../config/notifications';
import type { NotificationEvent, SinkKind } from '../../shared/notifications';
import { commandLabel, deliverCommand } from './command';
import { urlLabel } from './http';
import { deliverSlack } from './slack';
import type { SinkContext } from './sink-context';
import { deliverWebhook } from './webhook';

interface SinkSpec {
  /** `webhook hooks.example.com`, `command notify-send`: never a URL path, token or secret. */
  label(sink: NotificationSink): string;
  deliver(sink: NotificationSink, event: NotificationEvent, context: SinkContext): Promise<void>;
}

export const SINKS: Record<SinkKind, SinkSpec> = {
  webhook: { label: (s) => urlLabel('webhook', s.url!), deliver: deliverWebhook },
  slack: { label: (s) => urlLabel('slack', s.url!), deliver: deliverSlack },
  command: { label: commandLabel, deliver: deliverCommand },
};
