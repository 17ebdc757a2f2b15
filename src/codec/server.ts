import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { HintedError } from '../shared/hinted-error';
import { PayloadDecryptError } from './codec';

/**
 * Temporal's codec server protocol over node:http: two fixed POST routes need no router.
 * `POST /encode` and `POST /decode` (also under a namespace segment, `/{namespace}/decode`, which
 * the CLI's `--codec-endpoint` templating produces) take and return `{"payloads": [...]}` in
 * protobuf JSON form: `metadata` values and `data` are base64.
 */

export const CODEC_TOKEN_VARIABLE = 'BATON_CODEC_TOKEN';
export const DEFAULT_ALLOWED_ORIGIN = 'http://localhost:8233';
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ROUTE = /^(?:\/[^/]+)?\/(encode|decode)\/?$/;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const Base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');
const JsonPayloadSchema = z.object({
  metadata: z.record(z.string(), Base64Schema).optional(),
  data: Base64Schema.optional(),
});
/** The body of both routes, both ways. */
export const CodecBodySchema = z.object({ payloads: z.array(JsonPayloadSchema) });
export type CodecBody = z.infer<typeof CodecBodySchema>;
type JsonPayload = z.infer<typeof JsonPayloadSchema>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([key, value]) => [
      key,
      new Uint8Array(Buffer.from(value, 'base64')),
    ]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value ?? []).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every POST must carry; undefined only with `noAuth` on a loopback host. */
  token?: string;
  /** Origins that may call from a browser (the Web UI's); `*` allows any. */
  allowOrigins: string[];
}

/** A setting the codec server refuses to start with. */
export class CodecServerError extends HintedError {
  override name = 'CodecServerError';
}

const digest = (text: string) => createHash('sha256').update(text).digest();
const tokenMatches = (header: string | undefined, token: string) =>
  header !== undefined && timingSafeEqual(digest(header), digest(`Bearer ${token}`));

function corsHeaders(origin: string | undefined, allowed: string[]): Record<string, string> {
  if (!origin || !(allowed.includes(origin) || allowed.includes('*'))) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
  });
  res.end(text);
}

async function handle(options: CodecServerOptions, req: IncomingMessage, res: ServerResponse) {
  const cors = corsHeaders(req.headers.origin, options.allowOrigins);
  const route = ROUTE.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1] as
    'encode' | 'decode' | undefined;
  if (!route)
    return send(res, 404, cors, {
      message: 'Not found: the codec server answers POST /encode and POST /decode.',
    });
  if (req.method === 'OPTIONS') {
    // A preflight carries no credentials: answer it from the origin alone.
    if (req.headers.origin && !cors['Access-Control-Allow-Origin'])
      return send(
        res,
        403,
        {},
        {
          message: `Origin ${req.headers.origin} is not allowed; start the server with --allow-origin ${req.headers.origin}.`,
        },
      );
    return send(res, 204, cors);
  }
  if (req.method !== 'POST')
    return send(res, 405, { ...cors, Allow: 'POST, OPTIONS' }, { message: `Use POST for /${route}.` });
  if (options.token !== undefined && !tokenMatches(req.headers.authorization, options.token))
    return send(
      res,
      401,
      { ...cors, 'WWW-Authenticate': 'Bearer' },
      {
        message: `Missing or wrong token: send "Authorization: Bearer <${CODEC_TOKEN_VARIABLE}>".`,
      },
    );
  const text = await readBody(req);
  if (text === undefined)
    return send(res, 413, cors, { message: `The body is over ${MAX_BODY_BYTES} bytes.` });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return send(res, 400, cors, { message: 'The body is not JSON; send {"payloads": [...]}.' });
  }
  const body = CodecBodySchema.safeParse(json);
  if (!body.success) {
    const issue = body.error.issues[0];
    return send(res, 400, cors, {
      message: `Bad body at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}; send {"payloads": [{"metadata": {...}, "data": "<base64>"}]}.`,
    });
  }
  const payloads = body.data.payloads.map(fromJson);
  try {
    const out = await (route === 'encode' ? options.codec.encode(payloads) : options.codec.decode(payloads));
    return send(res, 200, cors, { payloads: out.map(toJson) } satisfies CodecBody);
  } catch (error) {
    if (error instanceof PayloadDecryptError)
      return send(res, 422, cors, { message: error.message, hint: error.hint });
    throw error;
  }
}

/** An http.Server speaking the codec server protocol (not listening yet). */
export function createCodecServer(options: CodecServerOptions): Server {
  return createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, {}, { message: (error as Error).message });
      else res.destroy();
    });
  });
}

export interface CodecServerSettings {
  host: string;
  port: number;
  /** Refuse to start without a token unless this is set, and then only on a loopback host. */
  noAuth: boolean;
  token: string | undefined;
}

/** Checks that the server may start as configured: a token, or `--no-auth` on loopback. */
export function checkCodecServerSettings(settings: CodecServerSettings): void {
  const token = settings.token?.trim() ? settings.token : undefined;
  if (settings.noAuth && !LOOPBACK.has(settings.host))
    throw new CodecServerError(
      `--no-auth is allowed only on a loopback host, not --host ${settings.host}.`,
      `Set ${CODEC_TOKEN_VARIABLE} and drop --no-auth, or serve on --host 127.0.0.1.`,
    );
  if (!settings.noAuth && !token)
    throw new CodecServerError(
      `${CODEC_TOKEN_VARIABLE} is not set: the codec server would decrypt for anyone who reaches it.`,
      `Set ${CODEC_TOKEN_VARIABLE} to a long random token (\`openssl rand -hex 32\`); clients send "Authorization: Bearer <token>". For a local Web UI only, pass --no-auth (loopback hosts only).`,
    );
}

/** Starts listening; resolves with the server and its URL once bound. */
export async function listenCodecServer(
  server: Server,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
