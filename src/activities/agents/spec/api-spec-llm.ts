/**
 * The LLM half of the `api-spec` agent: structured answers for the fields of given resources, or
 * for the resources, fields and auth of a requirements text. The deterministic half checks and
 * writes what comes back.
 */
import { z } from 'zod';
import type { AgentContext } from '../agent';
import { askLlm } from '../toolbox/llm';
import { FIELD_TYPES, type FieldSpec, RESERVED } from './openapi';

export const NAME = /^[a-z][a-z0-9-]*$/;

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

const fieldList = () =>
  z
    .array(FieldAnswer)
    .min(1)
    .max(20)
    .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, {
      error: 'field names must be unique within a resource',
    });

const uniqueBy =
  <T>(key: (item: T) => string) =>
  (items: readonly T[]) =>
    new Set(items.map(key)).size === items.length;

/** The structured answer asked of the LLM: the fields of each resource. */
function resourceFieldsSchema(resources: readonly string[]) {
  return z.object({
    resources: z
      .array(z.object({ resource: z.enum(resources as [string, ...string[]]), fields: fieldList() }))
      .max(resources.length)
      .refine(
        uniqueBy((a: { resource: string }) => a.resource),
        { error: 'each resource may appear once' },
      ),
  });
}

/** The answer for a requirements text: the resources (or fields of the given ones) and whether it has a login. */
function requirementsSchema(resources: readonly string[] | undefined) {
  const name = resources
    ? z.enum(resources as [string, ...string[]])
    : z
        .string()
        .regex(NAME, { error: 'resource names are plural, lower-case kebab-case: "books", "order-items"' });
  return z.object({
    resources: z
      .array(z.object({ resource: name, fields: fieldList() }))
      .min(1)
      .max(resources?.length ?? 30)
      .refine(
        uniqueBy((a: { resource: string }) => a.resource),
        { error: 'each resource may appear once' },
      ),
    /** Left out, the offline reader's answer stands. */
    auth: z.boolean().optional(),
  });
}

const SYSTEM =
  'You design REST APIs. You choose the resources of an API and the fields each stores: a handful ' +
  'of meaningful, camelCase fields with simple JSON types.';
const RULES =
  'Do not include id, createdAt or updatedAt: they are added automatically. Mark a field required ' +
  'when a new item makes no sense without it; give each resource at least one string field.';

export async function askForFields(
  service: string,
  resources: readonly string[],
  context: AgentContext,
): Promise<Record<string, FieldSpec[]>> {
  const answer = await askLlm(context, {
    agent: 'api-spec',
    schema: resourceFieldsSchema(resources),
    system: SYSTEM,
    prompt:
      `Service "${service}" has the resources ${resources.map((r) => `"${r}"`).join(', ')}. ` +
      `List the fields of each resource. ${RULES}`,
  });
  return Object.fromEntries(answer.resources.map((r) => [r.resource, r.fields]));
}

/** Resources (or, given `resources`, their fields) and auth from a requirements text. */
export async function askFromRequirements(
  requirements: string,
  resources: readonly string[] | undefined,
  context: AgentContext,
): Promise<{ resources: Array<{ resource: string; fields: FieldSpec[] }>; auth?: boolean }> {
  return askLlm(context, {
    agent: 'api-spec',
    schema: requirementsSchema(resources),
    system: SYSTEM,
    prompt:
      `Requirements:\n"""\n${requirements}\n"""\n` +
      (resources
        ? `The API has exactly the resources ${resources.map((r) => `"${r}"`).join(', ')}. List the fields of each. `
        : 'List the resources (plural, lower-case kebab-case names such as "books" or "order-items") and the fields of each. ') +
      'A reference to another resource is a string field named after it with "Id" ("a loan links a book" → bookId). ' +
      'Add username or password fields only where the requirements name them. ' +
      `Set auth to true when the requirements mention login, sign-in, authentication or tokens. ${RULES}`,
  });
}
