import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineAgent } from './agent';
import { badInput, resolveInside, toPosix } from './build';

const NAME = /^[a-z][a-z0-9-]*$/;

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
});

/** `todos` → `todo`, `categories` → `category`, `addresses` → `address`. */
export function singular(word: string): string {
  if (word.endsWith('ies') && word.length > 3) return `${word.slice(0, -3)}y`;
  if (/(?:s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
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

function resourceSchemas(resource: string): Record<string, unknown> {
  const one = pascal(singular(resource));
  const timestamp = { type: 'string', format: 'date-time', readOnly: true };
  return {
    [one]: {
      type: 'object',
      required: ['id', 'name', 'createdAt', 'updatedAt'],
      properties: {
        id: { type: 'string', readOnly: true, example: '1' },
        name: { type: 'string', example: `Sample ${singular(resource)}` },
        description: { type: 'string' },
        createdAt: timestamp,
        updatedAt: timestamp,
      },
    },
    [`${one}Input`]: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, description: { type: 'string' } },
    },
  };
}

/** Builds the OpenAPI 3.0 document for a service; pure, so the same input gives the same bytes. */
export function buildOpenApi(service: string, resources: readonly string[], version: string): object {
  const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });
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
        ...Object.assign({}, ...resources.map(resourceSchemas)),
        Error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
      },
    },
  };
}

/** Writes an OpenAPI 3.0 document with CRUD operations for each resource. */
export const apiSpecAgent = defineAgent({
  name: 'api-spec',
  description: 'Writes an OpenAPI 3.0 spec (spec/openapi.json) with CRUD paths and schemas per resource.',
  input: ApiSpecInputSchema,
  output: ApiSpecOutputSchema,
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
    await mkdir(dir, { recursive: true });
    await writeFile(file, `${JSON.stringify(buildOpenApi(service, resources, input.version), null, 2)}\n`);
    context.heartbeat({ step: 'written' });
    return {
      specPath: toPosix(path.relative(context.workspace, file)),
      operations: resources.length * 5,
      resources,
    };
  },
});

/** A property of a component schema that the generators support. */
export interface Field {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  required: boolean;
}

/** One CRUD resource read from the spec: `/todos` with schema `Todo`. */
export interface Resource {
  /** The path segment, e.g. `order-items`. */
  path: string;
  /** A JS identifier for it, e.g. `orderItems`. */
  camel: string;
  /** The entity schema name, e.g. `OrderItem`. */
  name: string;
  entity: Field[];
  input: Field[];
}

function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

const FIELD_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

function schemaFields(
  spec: unknown,
  ref: unknown,
  where: string,
  specPath: string,
): { name: string; fields: Field[] } {
  const name = typeof ref === 'string' ? ref.split('/').pop() : undefined;
  const schema = name ? at(spec, 'components', 'schemas', name) : undefined;
  if (!name || schema === undefined) {
    throw badInput(
      `${where} in ${specPath} has no schema $ref to components.schemas; regenerate it with the api-spec agent`,
    );
  }
  const required = new Set((at(schema, 'required') as string[] | undefined) ?? []);
  const properties = Object.entries((at(schema, 'properties') as Record<string, unknown> | undefined) ?? {});
  const fields = properties.map(([field, property]): Field => {
    const type = at(property, 'type');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field) || typeof type !== 'string' || !FIELD_TYPES.has(type)) {
      throw badInput(
        `components.schemas.${name}.${field} in ${specPath} is not supported by the built-in codegen; ` +
          'use identifier names with type string, integer, number or boolean',
      );
    }
    return { name: field, type: type as Field['type'], required: required.has(field) };
  });
  return { name, fields };
}

/** The CRUD resources of an OpenAPI document: collection paths `/x` that have an item path `/x/{id}`. */
export function readResources(spec: unknown, specPath: string): { service: string; resources: Resource[] } {
  const version = at(spec, 'openapi');
  if (typeof version !== 'string' || !version.startsWith('3.')) {
    throw badInput(
      `${specPath} is not an OpenAPI 3 document (openapi is ${JSON.stringify(version)}); run api-spec first`,
    );
  }
  const paths = (at(spec, 'paths') as Record<string, unknown> | undefined) ?? {};
  const resources: Resource[] = [];
  for (const key of Object.keys(paths)) {
    const segment = /^\/([a-z][a-z0-9-]*)$/.exec(key)?.[1];
    if (!segment || paths[`${key}/{id}`] === undefined) continue;
    const post = at(paths, key, 'post');
    const entity = schemaFields(
      spec,
      at(post, 'responses', '201', 'content', 'application/json', 'schema', '$ref'),
      `POST ${key} response`,
      specPath,
    );
    const input = schemaFields(
      spec,
      at(post, 'requestBody', 'content', 'application/json', 'schema', '$ref'),
      `POST ${key} body`,
      specPath,
    );
    const missing = input.fields.find(
      (f) => !entity.fields.some((e) => e.name === f.name && e.type === f.type),
    );
    if (missing || !entity.fields.some((f) => f.name === 'id' && f.type === 'string')) {
      throw badInput(
        `components.schemas.${entity.name} in ${specPath} needs a string "id"` +
          (missing ? ` and the field "${missing.name}" (${missing.type}) of ${input.name}` : '') +
          '; regenerate it with the api-spec agent',
      );
    }
    const camel = pascal(segment).replace(/^./, (c) => c.toLowerCase());
    resources.push({
      path: segment,
      camel,
      name: pascal(singular(segment)),
      entity: entity.fields,
      input: input.fields,
    });
  }
  if (resources.length === 0) {
    throw badInput(`${specPath} has no CRUD paths (/x with /x/{id}); regenerate it with the api-spec agent`);
  }
  const title = at(spec, 'info', 'title');
  return { service: typeof title === 'string' && title ? title : 'service', resources };
}
