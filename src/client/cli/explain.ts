import { isGrpcServiceError } from '@temporalio/client';
import { escapeControlChars, formatBytes, LIMITS } from '../../shared/limits';
import { BatonError } from '../errors';

/** gRPC status codes the CLI explains (see grpc/status.h). */
const GRPC = { NOT_FOUND: 5, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

const TOO_LARGE =
  /message (is )?too large|larger than max|grpc_message_too_large|size exceeds (the )?limit|exceeds (the )?size limit/i;

/** The error and its causes, outermost first (bounded: a cause chain may loop). */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && out.length < 10;) {
    out.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

function grpcCode(error: unknown): { code: number; details: string } | undefined {
  for (const e of chain(error)) if (isGrpcServiceError(e)) return { code: e.code, details: e.details };
  return undefined;
}

/**
 * Errors that say what to do: the client API's, and those of the other layers the CLI runs (the
 * worker's, the dev server's, the Temporal settings') which carry a `hint` the same way, and
 * config loading's.
 */
const isExplained = (error: unknown): error is Error & { hint?: string } =>
  error instanceof BatonError ||
  (error instanceof Error &&
    (typeof (error as { hint?: unknown }).hint === 'string' || error.name === 'ConfigError'));

/**
 * What the CLI prints for an error: its message and hint, and whether it was foreseen. A foreseen
 * error says what to do; an unforeseen one gets the --debug hint instead of a stack.
 */
export function explain(error: unknown): { message: string; hint?: string; foreseen: boolean } {
  if (isExplained(error)) return { message: error.message, hint: error.hint || undefined, foreseen: true };
  const messages = chain(error).map((e) => (e instanceof Error ? e.message : String(e)));
  const grpc = grpcCode(error);
  const text = [...messages, grpc?.details ?? ''].join(' ');
  if (grpc?.code === GRPC.RESOURCE_EXHAUSTED || TOO_LARGE.test(text)) {
    return {
      foreseen: true,
      message:
        `A message to or from the Temporal server was over its size limits (${grpc?.details || messages[0]}).\n` +
        `  Temporal holds each payload to ${formatBytes(LIMITS.payloadBytes)} and each gRPC message to 4 MB: keep definitions, params and comments small,\n` +
        '  and put large content in files the agents read.',
    };
  }
  if (grpc?.code === GRPC.NOT_FOUND && /namespace/i.test(text)) {
    return {
      foreseen: true,
      message: `${grpc.details || messages[0]}; create the namespace, or set TEMPORAL_NAMESPACE to an existing one.`,
    };
  }
  if (grpc?.code === GRPC.UNAVAILABLE) {
    return {
      foreseen: true,
      message: `Lost the connection to the Temporal server (${grpc.details}); check that it is running and that TEMPORAL_ADDRESS points at it.`,
    };
  }
  if (grpc?.code === GRPC.DEADLINE_EXCEEDED) {
    return {
      foreseen: true,
      message: `The Temporal server did not answer in time (${grpc.details}); it may be overloaded or starting. Try again.`,
    };
  }
  return { message: messages[0] || 'unknown error', foreseen: false };
}

/**
 * Text for the terminal: control characters are shown escaped, so no message (which may quote a
 * run's history) can move the cursor, clear the screen or fake lines. Newlines the CLI wrote stay.
 */
export const forTerminal = (text: string): string => text.split('\n').map(escapeControlChars).join('\n');

/** The stack of an error and of each cause, for --debug. */
export function stackOf(error: unknown): string {
  return chain(error)
    .map((e, i) => `${i ? 'caused by: ' : ''}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    .join('\n');
}

/**
 * Prints an error as the CLI does: `error: <message>`, its hint indented below, the --debug hint
 * when unforeseen, the stack with --debug.
 */
export function reportError(error: unknown, debug: boolean): void {
  const { message, hint, foreseen } = explain(error);
  const lines = [`error: ${forTerminal(message)}`];
  if (hint) lines.push(forTerminal(hint).replace(/^/gm, '  '));
  if (debug) lines.push(stackOf(error));
  else if (!foreseen) lines.push('  (run with --debug for the stack trace)');
  console.error(lines.join('\n'));
}
