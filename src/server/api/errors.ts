/**
 * How the REST API answers errors: a zod failure is a 400 listing each field; the client API's
 * errors map to the status that says what happened (404 no such run, 409 a gate already decided
 * or a refused decision, 503 no Temporal server or no worker), each with its `hint`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import {
  ArtifactError,
  BatonError,
  DecisionRejectedError,
  DefinitionError,
  InvalidInputError,
  NamespaceNotFoundError,
  NoWorkerError,
  RunEndedError,
  RunNotFoundError,
  ServerUnreachableError,
  TooLargeError,
  WorkflowTaskFailingError,
} from '../../client/errors';
import { ForbiddenError, GateNotFoundError } from '../decide-as';

export interface FieldProblem {
  field: string;
  message: string;
}

/** The 400 for input that does not match its schema. */
export function badRequest(where: string, problems: FieldProblem[]): HTTPException {
  const body = {
    error: `invalid ${where}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    problems,
  };
  return new HTTPException(400, {
    res: new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } }),
  });
}

/** Parses `value`, or throws the 400 naming each bad field (`where`: "body", "query"…). */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw badRequest(
    where,
    parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || where,
      message: issue.message,
    })),
  );
}

/** The JSON body, or a 400 that says it is not JSON. */
export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw badRequest('body', [
      { field: 'body', message: 'is not JSON; send Content-Type: application/json and a JSON object' },
    ]);
  }
}

const STATUS: [new (...args: never[]) => BatonError, ContentfulStatusCode][] = [
  [ForbiddenError, 403],
  [RunNotFoundError, 404],
  [GateNotFoundError, 404],
  [ServerUnreachableError, 503],
  [NamespaceNotFoundError, 503],
  [NoWorkerError, 503],
  [WorkflowTaskFailingError, 409],
  [RunEndedError, 409],
  [DecisionRejectedError, 409],
  [InvalidInputError, 400],
  [DefinitionError, 400],
  [TooLargeError, 413],
];

/** The response for an error the client API threw, or undefined for one it did not. */
export function errorResponse(c: Context, error: unknown): Response | undefined {
  if (error instanceof HTTPException) return error.getResponse();
  if (!(error instanceof BatonError)) return undefined;
  const status =
    STATUS.find(([type]) => error instanceof type)?.[1] ??
    (error instanceof ArtifactError ? artifactStatus(error) : 422);
  const body: Record<string, unknown> = { error: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  if (error instanceof ForbiddenError)
    Object.assign(body, { user: error.user, gate: error.gate, approvers: error.approvers });
  if (error instanceof DefinitionError)
    body.problems = error.problems.map((p) => ({ field: p.path, message: p.message }));
  return c.json(body, status);
}

const artifactStatus = (error: ArtifactError): ContentfulStatusCode =>
  /not in the store/.test(error.message) ? 404 : 400;
