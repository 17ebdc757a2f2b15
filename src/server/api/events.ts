/**
 * GET /api/runs/:id/events: Server-Sent Events. The server polls the run's status and sends a
 * `status` event (the whole status as JSON) each time it changes; it ends after the run ends, or
 * when the client goes. A failed read is sent as an `error` event and ends the stream.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { BatonApi } from '../../client/api';
import { BatonError } from '../../client/errors';
import { FINAL_RUN_STATES } from '../../shared/status';
import type { AppEnv } from '../principal';

export const EVENTS_POLL_MS = 500;

export async function runEvents(
  c: Context<AppEnv>,
  api: BatonApi,
  pollMs = EVENTS_POLL_MS,
): Promise<Response> {
  const id = c.req.param('id') ?? '';
  // The first read happens before the stream opens, so an unknown run is a plain 404.
  const first = await api.status({ id });
  return streamSSE(c, async (stream) => {
    let last = '';
    let status = first;
    let seq = 0;
    while (!stream.aborted) {
      const data = JSON.stringify(status);
      if (data !== last) {
        await stream.writeSSE({ event: 'status', data, id: String(seq++) });
        last = data;
      }
      if (FINAL_RUN_STATES.includes(status.state)) break;
      await stream.sleep(pollMs);
      try {
        status = await api.status({ id });
      } catch (error) {
        const message =
          error instanceof BatonError ? error.message : 'reading the run failed; see the server log';
        await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: message }) });
        break;
      }
    }
  });
}
