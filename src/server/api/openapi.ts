/**
 * /api/openapi.json: the OpenAPI 3.1 document of the REST API, generated from the zod schemas in
 * schemas.ts with zod 4's own `z.toJSONSchema` (OpenAPI 3.1 schemas are JSON Schema 2020-12, so
 * no adapter library is needed and the routes stay plain Hono).
 */
import { z } from 'zod';
import {
  DecisionBodySchema,
  ErrorSchema,
  Responses,
  RunsQuerySchema,
  Sha256ParamSchema,
  StartBodySchema,
} from './schemas';

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: 'input' | 'output' = 'output'): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};
const json = (s: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: schema(s) } },
});
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const runId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'the run (workflow) id',
  schema: { type: 'string' },
};

/** Every error a route may answer, by status; each route lists its own. */
const ERRORS = {
  400: error('bad input: `problems` names each field'),
  401: error('no or bad token: `hint` says how to authenticate'),
  403: error('not allowed: names the user, the gate and who may decide'),
  404: error('no such run, gate or artifact'),
  409: error('the gate was already decided, or the run refused the decision'),
  503: error('the Temporal server (or a worker) is unreachable: `hint` says what to start'),
};
const errors = (...codes: (keyof typeof ERRORS)[]) =>
  Object.fromEntries(codes.map((code) => [code, ERRORS[code]]));
const body = (s: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: schema(s, 'input') } },
});

function queryParameters(s: z.ZodObject): Json[] {
  const { properties = {} } = schema(s, 'input') as { properties?: Record<string, Json> };
  return Object.entries(properties).map(([name, p]) => ({
    name,
    in: 'query',
    required: false,
    schema: p,
    ...(p.description ? { description: p.description } : {}),
  }));
}

export const OPENAPI_PATHS: Record<string, Record<string, Json>> = {
  '/api/runs': {
    get: {
      summary: 'List runs',
      parameters: queryParameters(RunsQuerySchema),
      responses: { 200: json(Responses.RunListing, 'runs, newest first'), ...errors(400, 401, 503) },
    },
    post: {
      summary: 'Start a run',
      requestBody: body(StartBodySchema),
      responses: { 201: json(Responses.StartResult, 'started'), ...errors(400, 401, 503) },
    },
  },
  '/api/runs/{id}': {
    get: {
      summary: "A run's status",
      parameters: [runId],
      responses: { 200: json(Responses.RunStatus, 'the status'), ...errors(401, 404, 503) },
    },
  },
  '/api/runs/{id}/decisions': {
    post: {
      summary: 'Decide an open gate, as the authenticated user',
      parameters: [runId],
      requestBody: body(DecisionBodySchema),
      responses: {
        201: json(Responses.Decided, 'the run took the decision'),
        ...errors(400, 401, 403, 404),
        409: json(
          Responses.AlreadyDecided,
          'the gate was already decided (the decision taken is in the body), or the run refused this one',
        ),
        503: ERRORS[503],
      },
    },
  },
  '/api/runs/{id}/cancel': {
    post: {
      summary: 'Cancel a run',
      parameters: [runId],
      responses: { 202: json(Responses.Cancelled, 'cancellation requested'), ...errors(401, 404, 409, 503) },
    },
  },
  '/api/runs/{id}/events': {
    get: {
      summary: "The run's status as Server-Sent Events",
      description:
        'An event `status` (the status as JSON) each time it changes; the stream ends after the run ends.',
      parameters: [runId],
      responses: {
        200: {
          description: 'an event stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...errors(401, 404, 503),
      },
    },
  },
  '/api/inbox': {
    get: {
      summary: 'Every open gate across runs',
      responses: { 200: json(Responses.Inbox, 'open gates'), ...errors(401, 503) },
    },
  },
  '/api/templates': {
    get: {
      summary: 'The templates a run can start from',
      responses: { 200: json(Responses.Templates, 'templates'), ...errors(401) },
    },
  },
  '/api/artifacts/{sha256}': {
    get: {
      summary: "An artifact's bytes",
      parameters: [{ name: 'sha256', in: 'path', required: true, schema: schema(Sha256ParamSchema) }],
      responses: {
        200: {
          description: 'the bytes (text/plain, application/json or application/octet-stream)',
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        ...errors(400, 401, 404),
      },
    },
  },
  '/api/openapi.json': {
    get: {
      summary: 'This document',
      security: [],
      responses: {
        200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  },
};

export function openApiDocument(serverUrl?: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton REST API',
      version: '1',
      description: 'Runs, gates and decisions of Baton (docs/server.md).',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }, { cookie: [] }],
    paths: OPENAPI_PATHS,
    components: {
      schemas: { Error: schema(ErrorSchema) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token from `baton serve token <user>`' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'baton_session', description: 'set by POST /login' },
      },
    },
  };
}
