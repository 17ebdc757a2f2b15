import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Problem } from '../shared/validate';
import { formatProblems } from '../shared/validate';

const onPathCache = new Map<string, boolean>();

/** True when an executable `name` is on PATH (checked once per process). */
function onPath(name: string): boolean {
  let found = onPathCache.get(name);
  if (found === undefined) {
    found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
      if (!dir) return false;
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    onPathCache.set(name, found);
  }
  return found;
}

/**
 * A `baton …` command line that runs from where the user is: `baton` when it is on PATH (a global
 * install), else `npx baton`, which finds the project's own. Every hint the CLI prints goes through
 * here, so a hint never names a command the user's shell cannot find.
 */
export const batonCommand = (args: string): string => `${onPath('baton') ? 'baton' : 'npx baton'} ${args}`;

/** A `temporal …` command line: the Temporal CLI when it is on PATH, else Baton's `baton temporal`. */
export const temporalCommand = (args: string): string =>
  onPath('temporal') ? `temporal ${args}` : batonCommand(`temporal ${args}`);

/**
 * Every error the client API throws on purpose. `message` says what is wrong; `hint`, when there
 * is one, says what to do (the CLI prints it on the next lines; a web console would show it under
 * the message). Messages that already end with the fix leave `hint` empty.
 */
export class BatonError extends Error {
  override name = 'BatonError';
  readonly hint: string;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options);
    this.hint = options?.hint ?? '';
  }
}

/** An input that does not match the API's schema (a front door passed the wrong shape). */
export class InvalidInputError extends BatonError {
  override name = 'InvalidInputError';
}

export class ServerUnreachableError extends BatonError {
  override name = 'ServerUnreachableError';
  constructor(address: string, options?: { cause?: unknown; security?: string }) {
    const secured = options?.security && options.security !== 'plaintext';
    super(`Cannot reach a Temporal server at ${address}${secured ? ` (${options.security})` : ''}.`, {
      cause: options?.cause,
      hint: secured
        ? 'Check TEMPORAL_ADDRESS and the TLS settings: a plaintext server (the dev server, say) needs\n' +
          'TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_API_KEY and TEMPORAL_TLS unset.'
        : `Start one with \`npm start\` (dev server, worker and a demo run) or \`${batonCommand('dev')}\`,\n` +
          'or point TEMPORAL_ADDRESS at a running server. A server that speaks TLS needs TEMPORAL_TLS=true\n' +
          '(and TEMPORAL_TLS_CA for a private CA, TEMPORAL_TLS_CERT/KEY for mTLS).',
    });
  }
}

export class NamespaceNotFoundError extends BatonError {
  override name = 'NamespaceNotFoundError';
  constructor(namespace: string, address: string, options?: { cause?: unknown }) {
    super(`Namespace "${namespace}" not found on the Temporal server at ${address}.`, {
      cause: options?.cause,
      hint: `Create it with \`${temporalCommand(`operator namespace create --address ${address} --namespace ${namespace}`)}\`, or set TEMPORAL_NAMESPACE to an existing one (default: "default").`,
    });
  }
}

export class DefinitionError extends BatonError {
  override name = 'DefinitionError';
  constructor(
    readonly definitionName: string,
    readonly problems: Problem[],
    /** What the user can do about the problems, beyond fixing each. */
    hint?: string,
  ) {
    super(
      `Invalid pipeline definition "${definitionName}" (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${formatProblems(problems)}`,
      { hint },
    );
  }
}

export class RunNotFoundError extends BatonError {
  override name = 'RunNotFoundError';
  constructor(id: string, namespace: string, options?: { cause?: unknown }) {
    super(`No run with id "${id}" in namespace "${namespace}".`, {
      cause: options?.cause,
      hint: `Check the id, or list runs with \`${batonCommand('runs')}\` or in the Web UI.`,
    });
  }
}

/** The run has closed (completed, rejected, failed, cancelled, terminated or timed out). */
export class RunEndedError extends BatonError {
  override name = 'RunEndedError';
}

/** The run's workflow task fails on every attempt: the run can neither progress nor end by itself. */
export class WorkflowTaskFailingError extends BatonError {
  override name = 'WorkflowTaskFailingError';
}

/** A run's workflow did not answer a query: no worker polls its task queue, or the worker is stuck. */
export class NoWorkerError extends BatonError {
  override name = 'NoWorkerError';
  /** Whether a worker polls the run's task queue (so it was busy, stuck, or just killed). */
  readonly workerPolls: boolean;
  constructor(message: string, options: { cause?: unknown; hint?: string; workerPolls?: boolean } = {}) {
    super(message, options);
    this.workerPolls = options.workerPolls ?? false;
  }
}

/** The run refused a decision (the gate is closed, the action not allowed, the changes invalid). */
export class DecisionRejectedError extends BatonError {
  override name = 'DecisionRejectedError';
}

/** Something the client would send is over a Temporal limit, so it is refused before it is sent. */
export class TooLargeError extends BatonError {
  override name = 'TooLargeError';
}

/** An artifact URI that is malformed, or names no stored artifact. */
export class ArtifactError extends BatonError {
  override name = 'ArtifactError';
}
