import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. `body` is sent as JSON unless it is a string. */
export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (to provoke client timeouts). */
  delayMs?: number;
}

/** The parts of a Chat Completions request the tests look at. */
export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  response_format?: { type: string };
  [key: string]: unknown;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body (`{}` when it was not JSON). */
  body: ChatRequestBody;
  /** `body.messages`, or `[]`. */
  messages: Array<{ role: string; content: string }>;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/v1`, what OPENAI_BASE_URL points at. */
  baseUrl: string;
  /** Every request received, in order. */
  requests: FakeRequest[];
  /** Queues responses; each request takes the next one. An empty queue answers 500. */
  reply(...responses: FakeResponse[]): void;
  close(): Promise<void>;
}

/** A scriptable OpenAI-compatible Chat Completions server over real HTTP on 127.0.0.1. */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: FakeResponse[] = [];
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: ChatRequestBody = {};
      try {
        body = JSON.parse(text) as ChatRequestBody;
      } catch {
        // not JSON: the test can look at `text`
      }
      const request: FakeRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        text,
        body,
        messages: body.messages ?? [],
      };
      requests.push(request);
      const next = queue.shift() ?? {
        status: 500,
        body: { error: { message: 'fake-openai: no scripted response left', type: 'server_error' } },
      };
      const send = () => {
        if (res.destroyed) return;
        const payload = typeof next.body === 'string' ? next.body : JSON.stringify(next.body ?? {});
        res.writeHead(next.status ?? 200, { 'content-type': 'application/json', ...next.headers });
        res.end(payload);
      };
      if (next.delayMs) setTimeout(send, next.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    reply: (...responses) => void queue.push(...responses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A successful Chat Completions answer whose message content is `content`. */
export function chatCompletion(
  content: string,
  usage = { prompt_tokens: 12, completion_tokens: 7 },
): FakeResponse {
  return {
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'fake-model',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

/** An OpenAI-style error response. */
export function apiError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): FakeResponse {
  return { status, headers, body: { error: { message, type: 'fake_error', param: null, code: null } } };
}
