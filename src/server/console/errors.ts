/** Errors of the client API as console pages: the status, the message and the hint, never a stack. */
import type { Context } from 'hono';
import {
  BatonError,
  DecisionRejectedError,
  DefinitionError,
  InvalidInputError,
  NoWorkerError,
  RunEndedError,
  RunNotFoundError,
  ServerUnreachableError,
} from '../../client/errors';
import { ForbiddenError, GateNotFoundError } from '../decide-as';
import type { AppEnv } from '../principal';
import { errorPage, sendPage, type ErrorStatus } from './layout';

/** An error the console raises itself (bad form input it cannot re-render, a gate that is gone). */
export class ConsoleError extends Error {
  constructor(
    readonly status: ErrorStatus,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function statusOf(error: unknown): ErrorStatus {
  if (error instanceof ConsoleError) return error.status;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof RunNotFoundError || error instanceof GateNotFoundError) return 404;
  if (error instanceof RunEndedError || error instanceof DecisionRejectedError) return 409;
  if (error instanceof ServerUnreachableError || error instanceof NoWorkerError) return 503;
  if (error instanceof InvalidInputError || error instanceof DefinitionError) return 400;
  if (error instanceof BatonError) return 400;
  return 500;
}

export function errorResponse(c: Context<AppEnv>, error: unknown) {
  const status = statusOf(error);
  if (status === 500) {
    console.error(`baton console: ${c.req.method} ${c.req.path}: ${(error as Error).message}`);
    return sendPage(c, errorPage(c.get('principal'), 500, 'Internal error; see the server log.'), 500);
  }
  const { message } = error as Error;
  const hint = error instanceof BatonError || error instanceof ConsoleError ? error.hint : undefined;
  return sendPage(c, errorPage(c.get('principal'), status, message, hint || undefined), status);
}
