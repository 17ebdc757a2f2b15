import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationEvent } from '../../src/shared/notifications';

/** One request as the receiver saw it, recorded when it arrived (before any answer). */
export interface WebhookRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received, as a receiver must keep them to check a signature. */
  raw: string;
  body: unknown;
  /** What the receiver answered; undefined while it holds the request open. */
  status?: number;
}

/** What the receiver answers a request with: a status, or a promise of one to hold it open. */
export type Respond = (request: WebhookRequest, index: number) => number | Promise<number>;

/**
 * A real webhook on loopback. Every request lands in `requests`; the bodies it answered 2xx land in
 * `received`. `respond` (changeable while it runs) decides the answer: 204 unless told otherwise.
 */
export async function startWebhook<T = NotificationEvent>(options: { respond?: Respond } = {}) {
  const received: T[] = [];
  const requests: WebhookRequest[] = [];
  const state: { respond: Respond } = { respond: options.respond ?? (() => 204) };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: WebhookRequest = {
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: JSON.parse(raw),
      };
      requests.push(request);
      void Promise.resolve(state.respond(request, requests.length - 1)).then((status) => {
        request.status = status;
        if (status >= 200 && status < 300) received.push(request.body as T);
        if (!res.destroyed) res.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/hook`,
    base,
    received,
    requests,
    /** Changes how later requests are answered. */
    answer(respond: Respond) {
      state.respond = respond;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The receiver's side of `X-Baton-Signature-256`, as docs/notifications.md shows it: an HMAC-SHA256
 * of the raw body with the shared secret, compared in constant time.
 */
export function verifySignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
