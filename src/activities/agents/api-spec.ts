import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { Llm } from '../llm';
import { type AgentContext, defineAgent } from './agent';
import { badInput, resolveInside, toPosix } from './build';
// One singular for the spec's schema names and codegen's, so the two always agree.
import { singular } from './naming';

const NAME = /^[a-z][a-z0-9-]*$/;
/** The library that checks every document this agent writes. */
export const OPENAPI_VALIDATOR = '@readme/openapi-parser';

const ApiSpecInputSchema = z.object({
  /** The service name, e.g. `todo-service`; becomes the spec title. */
  service: z.string(),
  /** Plural resource names, as a list or comma-separated: `todos,users`. */
  resources: z.union([z.string(), z.array(z.string())]),
  version: z.string().min(1).default('1.0.0'),
  outDir: z.string().default('spec'),
});

const ApiSpecOutputSchema = z.object({
  specPath: z.string(),
  operations: z.number().int(),
  resources: z.array(z.string()),
  /** The document passed the OpenAPI validator (an invalid one fails the phase instead). */
  valid: z.literal(true),
  validator: z.string(),
  /** Where the resources' fields came from: the LLM, or the default `name` and `description`. */
  fieldsFrom: z.enum(['llm', 'default']),
});

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean'] as const;

/** A property of a component schema that the generators support. */
export interface Field {
  name: string;
  type: (typeof FIELD_TYPES)[number];
  required: boolean;
}

/** A field as the spec declares it; description and example only document it. */
export interface FieldSpec extends Field {
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

function parseResources(raw: string | string[]): string[] {
  const names = (Array.isArray(raw) ? raw : raw.split(',')).map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) {
    throw badInput('resources is empty; pass plural resource names separated by commas, e.g. "todos,users"');
  }
  for (const name of names) {
    if (!NAME.test(name.toLowerCase())) {
      throw badInput(
        `resources holds "${name}", which is not a valid resource name; ` +
          'use lower-case letters, digits and "-", starting with a letter, e.g. "todos,order-items"',
      );
    }
  }
  const unique = [...new Set(names.map((name) => name.toLowerCase()))];
  const schemas = new Map<string, string>();
  for (const name of unique) {
    const schema = pascal(singular(name));
    const clash = schemas.get(schema);
    if (clash) {
      throw badInput(`resources "${clash}" and "${name}" both map to schema "${schema}"; keep one of them`);
    }
    schemas.set(schema, name);
  }
  return unique;
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
export function defaultFields(resource: string): FieldSpec[] {
  return [
    { name: 'name', type: 'string', required: true, example: `Sample ${singular(resource)}` },
    { name: 'description', type: 'string', required: false },
  ];
}

function property(field: FieldSpec): Record<string, unknown> {
  return {
    type: field.type,
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
      properties: Object.fromEntries(fields.map((f) => [f.name, { type: f.type }])),
    },
  };
}

/**
 * Builds the OpenAPI 3.0 document for a service; pure, so the same input gives the same bytes.
 * Resources missing from `fields` get the default fields.
 */
export function buildOpenApi(
  service: string,
  resources: readonly string[],
  version: string,
  fields: Readonly<Record<string, readonly FieldSpec[]>> = {},
): object {
  const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });
  const schemas = resources.map((r) => resourceSchemas(r, fields[r] ?? defaultFields(r)));
  return {
    openapi: '3.0.3',
    info: { title: service, version, description: `CRUD API for ${resources.join(', ')}.` },
    servers: [{ url: 'http://localhost:3000' }],
    tags: resources.map((name) => ({ name })),
    paths: Object.assign({}, ...resources.map(resourcePaths)),
    components: {
      parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } } },
      responses: { NotFound: errorResponse('Not found'), BadRequest: errorResponse('Invalid request body') },
      schemas: {
        ...Object.assign({}, ...schemas),
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
  const result = await validate(copy).catch((error: unknown) => ({
    valid: false as const,
    errors: [{ message: error instanceof Error ? error.message : String(error) }],
    warnings: [],
    additionalErrors: 0,
    specification: null,
  }));
  if (result.valid) return;
  const problem = compileErrors(result).trim();
  throw ApplicationFailure.nonRetryable(
    `${where} is not a valid OpenAPI 3 document according to ${OPENAPI_VALIDATOR}: ` +
      (problem.length > MAX_PROBLEM_CHARS ? `${problem.slice(0, MAX_PROBLEM_CHARS)}…` : problem),
    'Agent.BadOutput',
  );
}

/** Names that would not compile as a Java field or read well as a JS property. */
const RESERVED = new Set(
  (
    'id createdAt updatedAt abstract assert boolean break byte case catch char class const continue ' +
    'default do double else enum extends final finally float for goto if implements import instanceof ' +
    'int interface long native new package private protected public return short static strictfp super ' +
    'switch synchronized this throw throws transient try void volatile while true false null var record ' +
    'yield constructor prototype'
  ).split(' '),
);

/** The structured answer asked of the LLM: the fields of each resource. */
export function resourceFieldsSchema(resources: readonly string[]) {
  const FieldAnswer = z.object({
    name: z
      .string()
      .regex(/^[a-z][A-Za-z0-9]{0,39}$/, { error: 'field names are camelCase identifiers, e.g. "dueDate"' })
      .refine((name) => !RESERVED.has(name), {
        error: 'id, createdAt and updatedAt are added by Baton; Java and JS keywords are not allowed',
      }),
    type: z.enum(FIELD_TYPES),
    required: z.boolean(),
    description: z.string().max(200).optional(),
  });
  return z.object({
    resources: z
      .array(
        z.object({
          resource: z.enum(resources as [string, ...string[]]),
          fields: z
            .array(FieldAnswer)
            .min(1)
            .max(20)
            .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, {
              error: 'field names must be unique within a resource',
            }),
        }),
      )
      .max(resources.length)
      .refine((answers) => new Set(answers.map((a) => a.resource)).size === answers.length, {
        error: 'each resource may appear once',
      }),
  });
}

async function askForFields(
  llm: Llm,
  service: string,
  resources: readonly string[],
  context: AgentContext,
): Promise<Record<string, FieldSpec[]>> {
  const answer = await llm.generateObject({
    agent: 'api-spec',
    schema: resourceFieldsSchema(resources),
    system:
      'You design REST APIs. Given a service and its resources, you choose the fields each resource ' +
      'stores: a handful of meaningful, camelCase fields with simple JSON types.',
    prompt:
      `Service "${service}" has the resources ${resources.map((r) => `"${r}"`).join(', ')}. ` +
      'List the fields of each resource. Do not include id, createdAt or updatedAt: they are added ' +
      'automatically. Mark a field required when a new item makes no sense without it; give each ' +
      'resource at least one string field.',
    signal: context.signal,
    heartbeat: (details) => context.heartbeat(details),
    recordUsage: (usage) => context.recordUsage(usage),
  });
  return Object.fromEntries(answer.resources.map((r) => [r.resource, r.fields]));
}

/** Writes an OpenAPI 3.0 document with CRUD operations for each resource, validated before it is written. */
export function createApiSpecAgent({ llm }: { llm?: Llm } = {}) {
  return defineAgent({
    name: 'api-spec',
    description:
      'Writes a validated OpenAPI 3.0 spec (spec/openapi.json) with CRUD paths and schemas per resource; ' +
      'an LLM, when configured, chooses the fields.',
    input: ApiSpecInputSchema,
    output: ApiSpecOutputSchema,
    llm: 'optional',
    async run(input, context) {
      const service = input.service.trim();
      if (!NAME.test(service)) {
        throw badInput(
          `service "${input.service}" is not a valid service name; use lower-case letters, digits and "-", e.g. "todo-service"`,
        );
      }
      const resources = parseResources(input.resources);
      context.heartbeat({ step: 'resources', resources });
      const dir = resolveInside(context.workspace, input.outDir, 'outDir');
      const file = path.join(dir, 'openapi.json');
      const specPath = toPosix(path.relative(context.workspace, file));
      const useLlm = llm?.configured('api-spec') ?? false;
      const fields = useLlm && llm ? await askForFields(llm, service, resources, context) : {};
      const document = buildOpenApi(service, resources, input.version, fields);
      await validateOpenApi(document, specPath);
      context.heartbeat({ step: 'validated', validator: OPENAPI_VALIDATOR });
      await mkdir(dir, { recursive: true });
      await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
      context.heartbeat({ step: 'written' });
      return {
        specPath,
        operations: resources.length * 5,
        resources,
        valid: true as const,
        validator: OPENAPI_VALIDATOR,
        fieldsFrom: useLlm ? ('llm' as const) : ('default' as const),
      };
    },
  });
}

/** The api-spec agent without an LLM: the default fields for every resource. */
export const apiSpecAgent = createApiSpecAgent();
