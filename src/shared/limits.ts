/**
 * The bounds every input is held to, in the client (before anything is sent) and again in the
 * workflow (the input can come from any Temporal client). One table, so the two never disagree and
 * every message can name the limit. Sandbox-safe: no Node builtins.
 */
export const LIMITS = {
  /** Temporal refuses a workflow id longer than this (the server's default `limit.maxIDLength`). */
  runIdChars: 1000,
  /** A gate waits at most this long for a human. */
  gateTimeoutMs: 365 * 86_400_000,
  /** One agent attempt (and its heartbeat timeout) runs at most this long. */
  attemptTimeoutMs: 7 * 86_400_000,
  /** Retry intervals. */
  retryIntervalMs: 86_400_000,
  retryMaxAttempts: 100,
  retryBackoff: 100,
  /** Phases in one definition. */
  phases: 200,
  /** The whole definition, as JSON. */
  definitionBytes: 512 * 1024,
  /** All params of a run together, as JSON. */
  paramsBytes: 64 * 1024,
  /** How deep objects and arrays may nest in a phase input, params or `changes`. */
  nestingDepth: 32,
  /** A decision's `changes`, as JSON. */
  changesBytes: 64 * 1024,
  /** A decision's `comment`; a longer one sent by signal is truncated with a marker. */
  commentChars: 64 * 1024,
  /** A decision's `by`. */
  byChars: 200,
  /** Decisions a run keeps in its state (and so in `status`); older ones are counted, not kept. */
  decisionsKept: 200,
  /** The decisions a run keeps, as JSON together; older ones are dropped first. */
  decisionsKeptBytes: 512 * 1024,
  /** A definition's `name`, a template name and an agent name (they go into search attributes). */
  nameChars: 200,
  /** A phase id (it goes into the `BatonPendingGates` search attribute while its gate is open). */
  phaseIdChars: 64,
  /** A param `pattern`, and the longest value it is tested against (bounds regex backtracking). */
  patternChars: 200,
  patternValueChars: 1000,
  /** A phase's input after a `modify` merged its changes (it goes into the activity's payload). */
  phaseInputBytes: 256 * 1024,
  /** Tasks in one parallel phase. */
  parallelTasks: 100,
  /** Temporal's payload limit: a start request larger than this is refused before it is sent. */
  payloadBytes: 2 * 1024 * 1024,
  /** Messaging between runs: one message's payload as JSON, its id, its channel name. */
  messageBytes: 64 * 1024,
  messageIdChars: 1200,
  channelChars: 64,
  /** Messages a run receives (duplicates aside); later ones are dropped, with a record. */
  messagesPerRun: 200,
  /** Messages an agent may emit in one run of a phase. */
  emitsPerPhase: 20,
} as const;

/** UTF-8 length of a string, without TextEncoder (not every sandbox has it). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** JSON size in bytes; `undefined` for values JSON cannot hold. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : utf8Bytes(text);
}

/**
 * True when objects and arrays in `value` nest deeper than `max`. Iterative, so a value nested
 * 100,000 levels deep cannot overflow the stack while it is being checked.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** `1.5 MB`, `64 KB`: sizes in messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Control characters (C0 but tab, DEL, C1), and the Unicode line and paragraph separators. */
const CONTROL = '[\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029]';

/** True when `text` holds a control character (a newline or an escape sequence could forge output). */
export const hasControlChars = (text: string): boolean => new RegExp(CONTROL).test(text);

/** `text` with each control character replaced by its visible `\\uXXXX` form. */
export const escapeControlChars = (text: string): string =>
  text.replace(new RegExp(CONTROL, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Names the run itself signs with; nobody outside may decide as them. */
export const RESERVED_DECIDER = /^baton:/i;
