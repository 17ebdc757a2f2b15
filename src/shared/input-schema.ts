/**
 * The part of an agent's input JSON Schema that catches typos: its top-level fields and whether it
 * takes others. Workers serve it (with `checkAgents`); the client and the run check static phase
 * inputs and a gate's `changes` against it. Sandbox-safe.
 */
import { z } from 'zod';

export const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'] as const;

export const AgentInputSchemaSchema = z.object({
  /** Top-level fields the agent takes; `type` lists their JSON types when the schema says. */
  properties: z.record(z.string(), z.object({ type: z.array(z.enum(JSON_TYPES)).optional() })),
  required: z.array(z.string()).default([]),
  /** True when the agent takes fields beyond `properties` too (a record, a passthrough object). */
  additionalProperties: z.boolean(),
});
export type AgentInputSchema = z.infer<typeof AgentInputSchemaSchema>;

/** The schemas of the agents a worker knows, by name; a missing entry means "unknown, don't check". */
export type AgentInputSchemas = Record<string, AgentInputSchema | undefined>;

/**
 * Reads what a worker served. Results recorded before workers served schemas have none, and a
 * schema that does not parse is treated the same way: unknown, so nothing is checked against it.
 */
export function readAgentSchemas(raw: unknown): AgentInputSchemas {
  if (raw === null || typeof raw !== 'object') return {};
  const schemas: AgentInputSchemas = {};
  for (const [name, schema] of Object.entries(raw)) {
    const parsed = AgentInputSchemaSchema.safeParse(schema);
    if (parsed.success) schemas[name] = parsed.data;
  }
  return schemas;
}

export const acceptedFields = (schema: AgentInputSchema): string =>
  Object.keys(schema.properties).sort().join(', ') || '(none)';

/** Keys the agent would not take (a strict schema refuses them; a plain one silently drops them). */
export function unknownFields(keys: readonly string[], schema: AgentInputSchema): string[] {
  if (schema.additionalProperties) return [];
  return keys.filter((key) => !Object.hasOwn(schema.properties, key));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** `; did you mean "service"?` when one accepted field is close to the unknown one. */
export function didYouMean(key: string, schema: AgentInputSchema): string {
  if (key.length > 100) return '';
  const close = Object.keys(schema.properties).filter(
    (field) => distance(key.toLowerCase(), field.toLowerCase()) <= Math.max(1, Math.floor(field.length / 4)),
  );
  return close.length === 1 ? `; did you mean "${close[0]}"?` : '';
}

function jsonTypeOf(value: unknown): (typeof JSON_TYPES)[number] {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as 'string' | 'boolean' | 'object';
}

/**
 * Problems with a phase's static input, as `[key, message]`: fields the agent does not take, fields
 * it requires that are missing, and literal values of the wrong JSON type. Values holding a binding
 * are left alone: only the run knows what they become.
 */
export function inputProblems(
  agent: string,
  input: Record<string, unknown>,
  schema: AgentInputSchema,
): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  for (const key of unknownFields(Object.keys(input), schema)) {
    problems.push([
      key,
      `agent "${agent}" takes no field "${key}"${didYouMean(key, schema)}; it accepts: ${acceptedFields(schema)}`,
    ]);
  }
  for (const key of schema.required) {
    if (!Object.hasOwn(input, key))
      problems.push([key, `agent "${agent}" requires "${key}"; add it to the input`]);
  }
  for (const [key, value] of Object.entries(input)) {
    const problem = typeProblem(agent, key, value, schema);
    if (problem) problems.push([key, problem]);
  }
  return problems;
}

/** Why `value` cannot be the agent's field `key`, by JSON type; bindings are left to the run. */
export function typeProblem(
  agent: string,
  key: string,
  value: unknown,
  schema: AgentInputSchema,
): string | undefined {
  const types = schema.properties[key]?.type;
  if (!types || (typeof value === 'string' && value.includes('${'))) return undefined;
  const actual = jsonTypeOf(value);
  const fits = types.includes(actual) || (actual === 'integer' && types.includes('number'));
  return fits ? undefined : `agent "${agent}" takes ${types.join(' or ')} here, not ${actual}`;
}

type JsonType = (typeof JSON_TYPES)[number];
const isJsonType = (t: unknown): t is JsonType => JSON_TYPES.includes(t as JsonType);

/** A property's JSON types: `type`, or the types of an `anyOf` whose every branch names one. */
function typesOf(property: unknown): JsonType[] | undefined {
  const p = property as { type?: unknown; anyOf?: unknown[] } | undefined;
  if (typeof p?.type === 'string') return isJsonType(p.type) ? [p.type] : undefined;
  if (Array.isArray(p?.type)) return p.type.every(isJsonType) ? p.type : undefined;
  if (Array.isArray(p?.anyOf)) {
    const all = p.anyOf.map(typesOf);
    return all.every((t) => t !== undefined) ? [...new Set(all.flat())] : undefined;
  }
  return undefined;
}

/**
 * The top-level shape of an agent's input, from its zod schema's JSON Schema (input side): the
 * fields, their types, the required ones, and whether others are taken. A plain `z.object` drops
 * unknown keys silently, so it counts as taking none: a key it would drop is a typo. Undefined when
 * the schema is not an object of known fields (a union, a transform): then nothing is checked.
 */
export function describeInput(schema: z.ZodType): AgentInputSchema | undefined {
  let json: {
    type?: unknown;
    properties?: Record<string, unknown>;
    required?: unknown;
    additionalProperties?: unknown;
  };
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return undefined;
  }
  if (json.type !== 'object' || json.properties === undefined) {
    return json.type === 'object' &&
      json.additionalProperties !== undefined &&
      json.additionalProperties !== false
      ? { properties: {}, required: [], additionalProperties: true }
      : undefined;
  }
  return {
    properties: Object.fromEntries(
      Object.entries(json.properties).map(([key, property]) => {
        const type = typesOf(property);
        return [key, type ? { type } : {}];
      }),
    ),
    required: Array.isArray(json.required)
      ? json.required.filter((r): r is string => typeof r === 'string')
      : [],
    additionalProperties: json.additionalProperties !== undefined && json.additionalProperties !== false,
  };
}
