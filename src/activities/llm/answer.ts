/** What the model is told about the answer's shape, and how its answer is read back. */
import { z } from 'zod';

export function answerInstructions(schema: z.ZodType): string {
  let jsonSchema: unknown;
  try {
    jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return 'Answer with one JSON value and nothing else.';
  }
  return `Answer with one JSON value that matches this JSON Schema, and nothing else:\n${JSON.stringify(jsonSchema)}`;
}

type Interpreted<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Parses an answer: JSON (a fenced block is accepted too), then the schema. */
export function interpret<S extends z.ZodType>(text: string, schema: S): Interpreted<z.output<S>> {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  const json = fenced?.[1] ?? trimmed;
  if (!json) return { ok: false, problem: 'the answer was empty; it must be a JSON value' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 10)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return { ok: false, problem: `it does not match the schema (${issues.join('; ')})` };
}
