import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createEncryptionCodec, parseCodecKeys } from '../../src/codec';
import { createCodecServer, listenCodecServer } from '../../src/codec/server';
import { findTemporalCli } from '../../src/dev/temporal-cli';

const run = promisify(execFile);

/** `id:base64` of a fresh random AES-256 key. */
export const newKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** The codec over a BATON_CODEC_KEYS value. */
export const codecOf = (keys: string) => createEncryptionCodec(parseCodecKeys(keys));

/** Every payload (an object with `metadata.encoding`) anywhere in a history or an event. */
export function payloadsIn(value: unknown, out: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return out;
  const maybe = value as Payload;
  if (maybe.metadata && typeof maybe.metadata === 'object' && 'encoding' in maybe.metadata) {
    out.push(maybe);
    return out;
  }
  for (const child of Object.values(value)) payloadsIn(child, out);
  return out;
}

/**
 * The payloads that hold the run's data: the workflow's input and result, activity inputs and
 * results, signal and update arguments. (Markers' own fields and search attributes are the SDK's.)
 */
export function dataPayloads(history: { events?: unknown[] | null }): Payload[] {
  const lists = (history.events ?? []).flatMap((event) => {
    const e = event as Record<string, Record<string, unknown> | undefined>;
    return [
      e.workflowExecutionStartedEventAttributes?.input,
      e.workflowExecutionCompletedEventAttributes?.result,
      e.activityTaskScheduledEventAttributes?.input,
      e.activityTaskCompletedEventAttributes?.result,
      e.workflowExecutionSignaledEventAttributes?.input,
      (
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest as
          { input?: { args?: unknown } } | undefined
      )?.input?.args,
      (e.workflowExecutionUpdateCompletedEventAttributes?.outcome as { success?: unknown } | undefined)
        ?.success,
    ];
  });
  return lists.flatMap((list) => payloadsIn(list));
}

/** `temporal workflow show --output json`'s text with every payload's base64 data decoded too. */
export function cliText(stdout: string): string {
  const payloads = payloadsIn(JSON.parse(stdout)) as unknown as Array<{ data?: string }>;
  return [stdout, ...payloads.map((p) => Buffer.from(p.data ?? '', 'base64').toString())].join('\n');
}

/** The whole history as protobuf bytes: every field, searched for plaintext at once. */
export const historyBytes = (history: unknown): Buffer =>
  Buffer.from(proto.temporal.api.history.v1.History.encode(history as never).finish());

export const metaText = (payload: Payload, key: string) =>
  Buffer.from(payload.metadata?.[key] ?? []).toString();

/** The payloads in protobuf JSON form, as the codec server protocol carries them. */
export const toJsonPayloads = (payloads: Payload[]) =>
  payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  }));

/** A codec server on a free loopback port for the test, with `keys` and `token`. */
export async function startCodecServer(
  keys: string,
  token: string,
  allowOrigins = ['http://localhost:8233'],
) {
  const server = createCodecServer({ codec: codecOf(keys), token, allowOrigins });
  return listenCodecServer(server, '127.0.0.1', 0);
}

/** The Temporal CLI as a process (found like `baton temporal` finds it). */
export async function temporalCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = await findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not installed (the test server needs it too)');
  try {
    const { stdout, stderr } = await run(cli, args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
