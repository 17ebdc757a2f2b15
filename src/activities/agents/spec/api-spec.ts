import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../failures';
import { type AgentContext, defineAgent } from '../agent';
import { resolveInside, toPosix } from '../toolbox/files';
import { askLlm, hasLlm } from '../toolbox/llm';
import {
  buildOpenApi,
  FIELD_TYPES,
  type FieldSpec,
  OPENAPI_VALIDATOR,
  pascal,
  validateOpenApi,
} from './openapi';
import { singular } from './naming';

const NAME = /^[a-z][a-z0-9-]*$/;

const ApiSpecInputSchema = AGENT_INPUTS['api-spec'];

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
function resourceFieldsSchema(resources: readonly string[]) {
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
  service: string,
  resources: readonly string[],
  context: AgentContext,
): Promise<Record<string, FieldSpec[]>> {
  const answer = await askLlm(context, {
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
  });
  return Object.fromEntries(answer.resources.map((r) => [r.resource, r.fields]));
}

/**
 * Writes an OpenAPI 3.0 document with CRUD operations for each resource, validated before it is
 * written. With an LLM for `api-spec`, the LLM chooses the fields; without, every resource gets
 * the default `name` and `description`.
 */
export const apiSpecAgent = defineAgent({
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
    const useLlm = hasLlm(context, 'api-spec');
    const fields = useLlm ? await askForFields(service, resources, context) : {};
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
