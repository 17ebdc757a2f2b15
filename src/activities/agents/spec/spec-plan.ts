/**
 * What the `api-spec` agent writes, before it is written: each resource and field with where it
 * came from (the requirements, the LLM, an override or the defaults), the relations, the nouns
 * only referenced, and what was ignored. The phase output, the gate and spec/REQUIREMENTS.md all
 * show this plan.
 */
import { z } from 'zod';
import { FIELD_TYPES, type FieldSpec } from './openapi';
import { plural, singular } from './naming';
import type { Reading } from './requirements';

export const ORIGINS = ['requirements', 'llm', 'override', 'default'] as const;
type Origin = (typeof ORIGINS)[number];

export const PlannedFieldSchema = z.object({
  name: z.string(),
  type: z.enum(FIELD_TYPES),
  format: z.string().optional(),
  required: z.boolean(),
  from: z.enum(ORIGINS),
  /** The words of the requirements it came from. */
  words: z.string().optional(),
  description: z.string().optional(),
});

export const PlanSchema = z.object({
  service: z.string(),
  serviceFrom: z.enum(ORIGINS),
  found: z.array(
    z.object({
      name: z.string(),
      from: z.enum(ORIGINS),
      fields: z.array(PlannedFieldSchema),
      fieldsFrom: z.enum(ORIGINS),
    }),
  ),
  auth: z.boolean(),
  authEndpoint: z.literal('POST /auth/login').optional(),
  authFrom: z.string().optional(),
  relations: z.array(z.object({ resource: z.string(), to: z.string(), field: z.string() })),
  referenced: z.array(z.object({ name: z.string(), by: z.string(), from: z.string() })),
  ignored: z.array(z.object({ words: z.string(), why: z.string() })),
});
export type Plan = z.infer<typeof PlanSchema>;
type PlannedResource = Plan['found'][number];

/** The fields a resource gets when nobody says otherwise (the spec's defaults). */
const DEFAULT_FIELDS: PlannedResource['fields'] = [
  { name: 'name', type: 'string', required: true, from: 'default' },
  { name: 'description', type: 'string', required: false, from: 'default' },
];

/** A resource with fields from the reading when it has that resource, else the defaults. */
export function fromReading(name: string, from: Origin, reading: Reading): PlannedResource {
  const read = reading.resources.find((r) => r.name === name);
  if (!read || read.fields.length === 0) return { name, from, fields: DEFAULT_FIELDS, fieldsFrom: 'default' };
  const fields = read.fields.map(({ from: words, ...field }) => ({
    ...field,
    from: 'requirements' as const,
    words,
  }));
  return { name, from, fields, fieldsFrom: 'requirements' };
}

/** A resource with the LLM's fields. */
export function fromLlm(name: string, from: Origin, fields: readonly FieldSpec[]): PlannedResource {
  return {
    name,
    from,
    fields: fields.map((f) => ({
      name: f.name,
      type: f.type,
      required: f.required,
      from: 'llm' as const,
      ...(f.description ? { description: f.description } : {}),
    })),
    fieldsFrom: 'llm',
  };
}

const CREDENTIALS = /^(?:user_?name|login|password|passwordHash|passcode|pin)$/i;

/**
 * Drops username and password fields the text does not name: a login endpoint does not mean the
 * users resource stores credentials the requirements never asked for.
 */
export function unnamedCredentials(found: PlannedResource[], text: string, ignored: Plan['ignored']): void {
  for (const resource of found) {
    resource.fields = resource.fields.filter((field) => {
      if (
        !CREDENTIALS.test(field.name) ||
        new RegExp(`\\b${field.name.replace(/name$/i, '[ -]?name')}\\b`, 'i').test(text)
      )
        return true;
      ignored.push({
        words: `${resource.name}.${field.name}`,
        why: 'the requirements do not name this field',
      });
      return false;
    });
    if (resource.fields.length === 0)
      Object.assign(resource, { fields: DEFAULT_FIELDS, fieldsFrom: 'default' });
  }
}

/** `<x>Id` fields are relations: to a resource of the spec, or to a noun only referenced. */
export function relationsOf(found: readonly PlannedResource[], reading: Reading) {
  const names = new Set(found.map((r) => r.name));
  const relations: Plan['relations'] = [];
  const referenced: Plan['referenced'] = [];
  for (const resource of found) {
    for (const field of resource.fields) {
      const target = /^([a-z][A-Za-z0-9]*)Id$/.exec(field.name)?.[1];
      if (!target || field.type !== 'string') continue;
      const to = plural(target.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
      if (to === resource.name) continue;
      relations.push({ resource: resource.name, to, field: field.name });
      if (!names.has(to) && !referenced.some((r) => r.name === to)) {
        const read = reading.referenced.find((r) => r.name === to);
        referenced.push({ name: to, by: resource.name, from: read?.from ?? field.words ?? field.name });
      }
    }
  }
  return { relations, referenced };
}

/** The service name: given, from the requirements, or after the first resource; always a valid name. */
export function serviceName(
  given: string | undefined,
  reading: Reading,
  resources: readonly string[],
): { service: string; serviceFrom: Origin } {
  if (given?.trim()) return { service: given.trim(), serviceFrom: 'override' };
  const derived = reading.service?.name ?? (resources[0] ? `${singular(resources[0])}-service` : undefined);
  const service = (derived ?? 'api-service').slice(0, 63).replace(/-+$/, '');
  return { service, serviceFrom: reading.service ? 'requirements' : 'default' };
}
