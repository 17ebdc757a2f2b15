/**
 * The OpenAPI 3.0 documents the `api-spec` agent writes (CRUD paths and schemas per resource), and
 * the validator every one of them passes before it is written.
 */
import type { validate } from '@readme/openapi-parser';
import { agentFailure } from '../../failures';
// One singular for the spec's schema names and codegen's, so the two always agree.
import { singular } from './naming';

/** The library that checks every document this agent writes. */
export const OPENAPI_VALIDATOR = '@readme/openapi-parser';

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean'] as const;

/** Names that would not compile as a Java field or read well as a JS property. */
export const RESERVED = new Set(
  (
    'id createdAt updatedAt abstract assert boolean break byte case catch char class const continue ' +
    'default do double else enum extends final finally float for goto if implements import instanceof ' +
    'int interface long native new package private protected public return short static strictfp super ' +
    'switch synchronized this throw throws transient try void volatile while true false null var record ' +
    'yield constructor prototype'
  ).split(' '),
);

/** A property of a component schema that the generators support. */
export interface Field {
  name: string;
  type: (typeof FIELD_TYPES)[number];
  required: boolean;
}

/** A field as the spec declares it; description and example only document it. */
export interface FieldSpec extends Field {
  /** `date` or `date-time` for a string that holds one. */
  format?: string;
  description?: string;
  example?: string;
}

/** `order-items` → `OrderItems`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function resourcePaths(resource: string): Record<string, unknown> {
  const one = pascal(singular(resource));
  const many = pascal(resource);
  const tags = [resource];
  const notFound = { $ref: '#/components/responses/NotFound' };
  const badRequest = { $ref: '#/components/responses/BadRequest' };
  const idParam = [{ $ref: '#/components/parameters/Id' }];
  return {
    [`/${resource}`]: {
      get: {
        operationId: `list${many}`,
        summary: `List ${resource}`,
        tags,
        responses: { '200': { description: `All ${resource}`, ...json({ type: 'array', items: ref(one) }) } },
      },
      post: {
        operationId: `create${one}`,
        summary: `Create a ${singular(resource)}`,
        tags,
        requestBody: { required: true, ...json(ref(`${one}Input`)) },
        responses: { '201': { description: 'Created', ...json(ref(one)) }, '400': badRequest },
      },
    },
    [`/${resource}/{id}`]: {
      parameters: idParam,
      get: {
        operationId: `get${one}`,
        summary: `Get one ${singular(resource)}`,
        tags,
        responses: { '200': { description: 'Found', ...json(ref(one)) }, '404': notFound },
      },
      put: {
        operationId: `update${one}`,
        summary: `Replace a ${singular(resource)}`,
        tags,
        requestBody: { required: true, ...json(ref(`${one}Input`)) },
        responses: {
          '200': { description: 'Updated', ...json(ref(one)) },
          '400': badRequest,
          '404': notFound,
        },
      },
      delete: {
        operationId: `delete${one}`,
        summary: `Delete a ${singular(resource)}`,
        tags,
        responses: { '204': { description: 'Deleted' }, '404': notFound },
      },
    },
  };
}

/** The fields a resource gets when nobody says otherwise. */
function defaultFields(resource: string): FieldSpec[] {
  return [
    { name: 'name', type: 'string', required: true, example: `Sample ${singular(resource)}` },
    { name: 'description', type: 'string', required: false },
  ];
}

function property(field: FieldSpec): Record<string, unknown> {
  return {
    type: field.type,
    ...(field.format ? { format: field.format } : {}),
    ...(field.description ? { description: field.description } : {}),
    ...(field.example ? { example: field.example } : {}),
  };
}

function resourceSchemas(resource: string, fields: readonly FieldSpec[]): Record<string, unknown> {
  const one = pascal(singular(resource));
  const timestamp = { type: 'string', format: 'date-time', readOnly: true };
  const required = fields.filter((f) => f.required).map((f) => f.name);
  const properties = Object.fromEntries(fields.map((f) => [f.name, property(f)]));
  return {
    [one]: {
      type: 'object',
      required: ['id', ...required, 'createdAt', 'updatedAt'],
      properties: {
        id: { type: 'string', readOnly: true, example: '1' },
        ...properties,
        createdAt: timestamp,
        updatedAt: timestamp,
      },
    },
    [`${one}Input`]: {
      type: 'object',
      // OpenAPI 3.0 forbids an empty `required` list.
      ...(required.length ? { required } : {}),
      additionalProperties: false,
      properties: Object.fromEntries(
        fields.map((f) => [f.name, { type: f.type, ...(f.format ? { format: f.format } : {}) }]),
      ),
    },
  };
}

/** The path the `auth` option adds; codegen looks for it to generate a login handler. */
export const LOGIN_PATH = '/auth/login';

/** `POST /auth/login`: username and password in, a token out, 401 for wrong credentials. */
function authParts() {
  const credentials = {
    type: 'object',
    properties: { username: { type: 'string' }, password: { type: 'string' } },
  };
  return {
    paths: {
      [LOGIN_PATH]: {
        post: {
          operationId: 'login',
          summary: 'Log in with a username and password',
          tags: ['auth'],
          requestBody: { required: true, ...json(ref('AuthCredentials')) },
          responses: {
            '200': { description: 'Logged in', ...json(ref('AuthToken')) },
            '400': { $ref: '#/components/responses/BadRequest' },
            '401': { description: 'Wrong username or password', ...json(ref('Error')) },
          },
        },
      },
    },
    schemas: {
      AuthCredentials: { ...credentials, required: ['username', 'password'], additionalProperties: false },
      AuthToken: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
    },
  };
}

/**
 * Builds the OpenAPI 3.0 document for a service; pure, so the same input gives the same bytes.
 * Resources missing from `fields` get the default fields; `auth` adds `POST /auth/login`.
 */
export function buildOpenApi(
  service: string,
  resources: readonly string[],
  version: string,
  fields: Readonly<Record<string, readonly FieldSpec[]>> = {},
  options: { auth?: boolean; description?: string } = {},
): object {
  const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });
  const schemas = resources.map((r) => resourceSchemas(r, fields[r] ?? defaultFields(r)));
  const auth = options.auth ? authParts() : { paths: {}, schemas: {} };
  const crud = `CRUD API for ${resources.join(', ')}${options.auth ? ', with a login endpoint' : ''}.`;
  return {
    openapi: '3.0.3',
    info: {
      title: service,
      version,
      description: options.description ? `${crud}\n\n${options.description}` : crud,
    },
    servers: [{ url: 'http://localhost:3000' }],
    tags: [...resources.map((name) => ({ name })), ...(options.auth ? [{ name: 'auth' }] : [])],
    paths: { ...Object.assign({}, ...resources.map(resourcePaths)), ...auth.paths },
    components: {
      parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } } },
      responses: { NotFound: errorResponse('Not found'), BadRequest: errorResponse('Invalid request body') },
      schemas: {
        ...Object.assign({}, ...schemas),
        ...auth.schemas,
        Error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
      },
    },
  };
}

const MAX_PROBLEM_CHARS = 2_000;

/**
 * Checks a document against the OpenAPI specification with a real validator. An invalid one is
 * a non-retryable `Agent.BadOutput` that quotes the validator.
 */
export async function validateOpenApi(document: object, where: string): Promise<void> {
  // The validator dereferences in place; the caller's object must stay as written.
  const copy = structuredClone(document) as Parameters<typeof validate>[0];
  // Loaded on first use: the validator is about 20 MB of a worker's memory that most workers never need.
  const { compileErrors, validate: check } = await import('@readme/openapi-parser');
  const result = await check(copy).catch((error: unknown) => ({
    valid: false as const,
    errors: [{ message: error instanceof Error ? error.message : String(error) }],
    warnings: [],
    additionalErrors: 0,
    specification: null,
  }));
  if (result.valid) return;
  const problem = compileErrors(result).trim();
  throw agentFailure(
    'BadOutput',
    `${where} is not a valid OpenAPI 3 document according to ${OPENAPI_VALIDATOR}: ` +
      (problem.length > MAX_PROBLEM_CHARS ? `${problem.slice(0, MAX_PROBLEM_CHARS)}…` : problem),
  );
}
