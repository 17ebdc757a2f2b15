/**
 * Live updates over SSE: the console's pages connect with htmx's SSE extension and swap the
 * server-rendered fragments this sends (`sse-swap="<event>"`). Each event is sent when what it
 * renders changed, read by polling the client API (status is a query: cheap, and no history grows).
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../principal';
import type { Html } from './layout';

export interface LiveSource {
  /** Changes when the event must be sent again. */
  key: string;
  render(): Html;
}

export function liveStream(
  c: Context<AppEnv>,
  read: () => Promise<Record<string, LiveSource>>,
  options: { intervalMs: number },
) {
  c.header('Cache-Control', 'no-store');
  return streamSSE(c, async (stream) => {
    // The page was rendered from these keys (`k.<event>` in the stream's URL): nothing to send yet.
    const sent = new Map<string, string>();
    for (const [name, value] of Object.entries(c.req.query())) if (name.startsWith('k.')) sent.set(name.slice(2), value);
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    while (!closed) {
      try {
        const sources = await read();
        for (const [event, source] of Object.entries(sources)) {
          if (sent.get(event) === source.key) continue;
          const data = (await source.render()).toString();
          await stream.writeSSE({ event, data });
          sent.set(event, source.key);
        }
      } catch {
        // The server or the run did not answer this time: try again at the next tick.
      }
      await stream.sleep(options.intervalMs);
    }
  });
}
