/**
 * The `webhook` sink: the event's JSON as the body, named in headers so a receiver can route and
 * dedupe without parsing it, and signed when the sink names a secret.
 */
import type { NotificationSink } from '../../config/notifications';
import type { NotificationEvent } from '../../shared/notifications';
import { SinkError } from './failure';
import { postJson, urlLabel } from './http';
import { SIGNATURE_HEADER, signBody } from './sign';
import type { SinkContext } from './sink-context';

export const EVENT_HEADER = 'X-Baton-Event';
export const EVENT_ID_HEADER = 'X-Baton-Event-Id';

export async function deliverWebhook(
  sink: NotificationSink,
  event: NotificationEvent,
  { env, signal }: SinkContext,
): Promise<void> {
  const url = sink.url!;
  const label = urlLabel('webhook', url);
  const body = JSON.stringify(event);
  const headers: Record<string, string> = { [EVENT_HEADER]: event.event, [EVENT_ID_HEADER]: event.eventId };
  if (sink.secretEnv) {
    // The worker checks the secret at start; a test worker or a changed environment may still lack it.
    const secret = env[sink.secretEnv];
    if (!secret)
      throw new SinkError(
        label,
        `${sink.secretEnv} is not set; export the webhook secret and restart the worker`,
        false,
      );
    headers[SIGNATURE_HEADER] = signBody(secret, body);
  }
  await postJson(label, url, body, headers, signal);
}
