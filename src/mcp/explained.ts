/**
 * Tool input schemas whose failures say the field, the value and the fix. The SDK answers a tool
 * call whose arguments fail the schema with an error result `Input validation error: … <path>:
 * <message>`; the message zod gives names what was expected but not what came or what to do, so
 * this wrapper adds the value received and the field's description (its `.describe()`) as the fix.
 */
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { escapeControlChars } from '../shared/limits';

/** A short, printable rendering of a bad value. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return escapeControlChars(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What a top-level field is for: its description, which says what to send. */
function fixOf(schema: z.ZodObject, field: PropertyKey | undefined): string | undefined {
  if (typeof field !== 'string') return undefined;
  return schema.shape[field]?.description;
}

function explainIssue(schema: z.ZodObject, input: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape).join(', ');
    return `${issue.message}; this tool takes: ${known}`;
  }
  const fix = fixOf(schema, issue.path[0]);
  return `${issue.message} (got ${shown(valueAt(input, issue.path))})${fix ? `; expected ${fix}` : ''}`;
}

/** `schema` as the SDK takes it, with explained failures. Its JSON Schema is zod's own. */
export function explained<S extends z.ZodObject>(schema: S): StandardSchemaWithJSON<z.input<S>, z.output<S>> {
  const standard = schema['~standard'];
  return {
    '~standard': {
      ...standard,
      validate(value: unknown) {
        const parsed = schema.safeParse(value);
        if (parsed.success) return { value: parsed.data };
        return {
          issues: parsed.error.issues.map((issue) => ({
            message: explainIssue(schema, value, issue),
            path: issue.path,
          })),
        };
      },
    },
  };
}
