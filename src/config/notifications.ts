/**
 * `notifications:` in baton.config (issue 11): where a run's events go. Each sink filters by
 * event, template and run; the worker hands the filters to each run at its start.
 */
import { z } from 'zod';
import { NOTIFICATION_EVENTS, SINK_KINDS, type NotificationFilter } from '../shared/notifications';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export const NotificationSinkSchema = z.strictObject({
  kind: z.enum(SINK_KINDS),
  /** `webhook` and `slack`: where to POST. */
  url: z.url({ protocol: /^https?$/, error: 'url is an http(s) URL such as https://hooks.slack.com/services/…' }).optional(),
  /** `command`: the program and its arguments; it reads the event's JSON on stdin. */
  command: z.array(z.string().min(1)).min(1).optional(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).optional(),
  templates: z.array(z.string().min(1)).min(1).optional(),
  runs: z.array(z.string().min(1)).min(1).optional(),
  /** `webhook`: the environment variable holding the HMAC secret for the signature header. */
  secretEnv: z.string().regex(ENV_NAME, { error: 'secretEnv is an environment variable name such as BATON_WEBHOOK_SECRET' }).optional(),
});
export type NotificationSink = z.infer<typeof NotificationSinkSchema>;

export const NotificationsSchema = z.array(NotificationSinkSchema).max(50);

/** What a run needs to know of the sinks: their filters only (no URL or secret enters history). */
export function notificationFilters(sinks: readonly NotificationSink[]): NotificationFilter[] {
  return sinks.map(({ events, templates, runs }) => ({
    ...(events && { events }),
    ...(templates && { templates }),
    ...(runs && { runs }),
  }));
}
