import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../failures';
import { type AgentContext, defineAgent } from '../agent';
import { resolveInside, toPosix } from '../toolbox/files';
import { hasLlm } from '../toolbox/llm';
import { askForFields, askFromRequirements, NAME } from './api-spec-llm';
import {
  buildOpenApi,
  type FieldSpec,
  LOGIN_PATH,
  OPENAPI_VALIDATOR,
  pascal,
  validateOpenApi,
} from './openapi';
import { singular } from './naming';
import { type Reading, readRequirements } from './requirements';
import { requirementsMarkdown } from './requirements-report';
import {
  fromLlm,
  fromReading,
  type Plan,
  PlanSchema,
  relationsOf,
  serviceName,
  unnamedCredentials,
} from './spec-plan';

const ApiSpecInputSchema = AGENT_INPUTS['api-spec'];

const ApiSpecOutputSchema = PlanSchema.extend({
  specPath: z.string(),
  operations: z.number().int(),
  resources: z.array(z.string()),
  /** The document passed the OpenAPI validator (an invalid one fails the phase instead). */
  valid: z.literal(true),
  validator: z.string(),
  /** Where most fields came from: the LLM, the requirements text, or the default `name` and `description`. */
  fieldsFrom: z.enum(['llm', 'requirements', 'default']),
  /** The plan in words, for a person: spec/REQUIREMENTS.md. */
  requirementsPath: z.string(),
});
type ApiSpecInput = z.infer<typeof ApiSpecInputSchema>;

function parseResources(raw: string | string[]): string[] {
  const names = (Array.isArray(raw) ? raw : raw.split(',')).map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) {
    throw badInput(
      'resources is empty; pass plural resource names separated by commas, e.g. "todos,users", or requirements',
    );
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

const EMPTY_READING: Reading = { resources: [], auth: false, referenced: [], ignored: [] };

const given = (resources: ApiSpecInput['resources']) =>
  resources !== undefined && (Array.isArray(resources) ? resources.length > 0 : resources.trim() !== '');

/** Resources and fields from the requirements and overrides, with the LLM when there is one. */
async function plan(input: ApiSpecInput, context: AgentContext): Promise<Plan> {
  const requirements = input.requirements?.trim() || undefined;
  const overrides = given(input.resources) ? parseResources(input.resources!) : undefined;
  if (!requirements && !overrides) {
    throw badInput(
      'api-spec needs requirements or resources, and both are empty: pass requirements (what the API is ' +
        'for, e.g. "books (title, isbn) and authors; members log in") or resources (plural names, e.g. "todos,users")',
    );
  }
  const reading = requirements ? readRequirements(requirements) : EMPTY_READING;
  const ignored = [...reading.ignored];
  const resourceFrom = overrides ? 'override' : 'requirements';
  let found: Plan['found'];
  let auth = reading.auth;
  if (hasLlm(context, 'api-spec') && requirements) {
    const answer = await askFromRequirements(requirements, overrides, context);
    const names = overrides ?? parseResources(answer.resources.map((r) => r.resource));
    const byName = new Map(answer.resources.map((r) => [r.resource, r.fields]));
    found = names.map((name) => {
      const fields = byName.get(name);
      return fields
        ? fromLlm(name, overrides ? 'override' : 'llm', fields)
        : fromReading(name, resourceFrom, reading);
    });
    auth = answer.auth ?? reading.auth;
  } else if (hasLlm(context, 'api-spec')) {
    const names = overrides!;
    const { service } = serviceName(input.service, reading, names);
    const fields = await askForFields(service, names, context);
    found = names.map((name) =>
      fields[name] ? fromLlm(name, 'override', fields[name]) : fromReading(name, 'override', reading),
    );
  } else {
    const names = overrides ?? reading.resources.map((r) => r.name);
    if (names.length === 0) {
      throw badInput(
        'the requirements name no resource the offline reader understands (a resource is a plural noun, e.g. ' +
          '"books (title, isbn) and authors"); rephrase them, or pass resources, e.g. "todos,users"' +
          (ignored.length ? `; it ignored: ${ignored.map((i) => `"${i.words}" (${i.why})`).join('; ')}` : ''),
      );
    }
    found = names.map((name) => fromReading(name, resourceFrom, reading));
  }
  if (requirements) unnamedCredentials(found, requirements, ignored);
  if (overrides) {
    for (const read of reading.resources.filter((r) => !overrides.includes(r.name)))
      ignored.push({ words: read.from, why: `resource "${read.name}" is not among the resources given` });
  }
  const names = found.map((r) => r.name);
  const { relations, referenced } = relationsOf(found, reading);
  return {
    ...serviceName(input.service, reading, names),
    found,
    auth,
    ...(auth ? { authEndpoint: `POST ${LOGIN_PATH}` as const } : {}),
    ...(auth && reading.authFrom ? { authFrom: reading.authFrom } : {}),
    relations,
    referenced,
    ignored,
  };
}

function fieldsFrom(planned: Plan): 'llm' | 'requirements' | 'default' {
  const origins = new Set(planned.found.map((r) => r.fieldsFrom));
  return origins.has('llm') ? 'llm' : origins.has('requirements') ? 'requirements' : 'default';
}

/**
 * Writes an OpenAPI 3.0 document with CRUD operations for each resource (and `POST /auth/login`
 * when the requirements ask for a login), validated before it is written. The resources and
 * fields come from the requirements text (read by an LLM when one is configured for `api-spec`,
 * else by the deterministic reader) and the `resources` override; spec/REQUIREMENTS.md says which.
 */
export const apiSpecAgent = defineAgent({
  name: 'api-spec',
  description:
    'Writes a validated OpenAPI 3.0 spec (spec/openapi.json) with CRUD paths and schemas per resource, from ' +
    'requirements text or resource names; an LLM, when configured, reads the requirements and chooses the fields.',
  input: ApiSpecInputSchema,
  output: ApiSpecOutputSchema,
  llm: 'optional',
  async run(input, context) {
    const planned = await plan(input, context);
    if (!NAME.test(planned.service) || planned.service.length > 63) {
      throw badInput(
        `service "${planned.service}" is not a valid service name; use lower-case letters, digits and "-", e.g. "todo-service"`,
      );
    }
    const resources = planned.found.map((r) => r.name);
    context.heartbeat({ step: 'resources', resources });
    const dir = resolveInside(context.workspace, input.outDir, 'outDir');
    const file = path.join(dir, 'openapi.json');
    const specPath = toPosix(path.relative(context.workspace, file));
    const fields: Record<string, FieldSpec[]> = Object.fromEntries(
      planned.found.map((r) => [r.name, r.fields.map(({ from: _from, words: _words, ...field }) => field)]),
    );
    const document = buildOpenApi(planned.service, resources, input.version, fields, { auth: planned.auth });
    await validateOpenApi(document, specPath);
    context.heartbeat({ step: 'validated', validator: OPENAPI_VALIDATOR });
    await mkdir(dir, { recursive: true });
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
    const report = path.join(dir, 'REQUIREMENTS.md');
    await writeFile(report, requirementsMarkdown(planned, input.requirements, specPath));
    context.heartbeat({ step: 'written' });
    return {
      ...planned,
      specPath,
      operations: resources.length * 5 + (planned.auth ? 1 : 0),
      resources,
      valid: true as const,
      validator: OPENAPI_VALIDATOR,
      fieldsFrom: fieldsFrom(planned),
      requirementsPath: toPosix(path.relative(context.workspace, report)),
    };
  },
});
