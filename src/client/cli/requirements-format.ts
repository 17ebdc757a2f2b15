/**
 * The spec gate's view of what api-spec read from the requirements: resources with their fields,
 * the auth endpoint, referenced and ignored words, and how to correct it with `modify`.
 */
import { z } from 'zod';
import { batonCommand } from '../errors';
import { safe } from './text';

// The client never imports activities: this is the part of api-spec's output the gate shows.
const Origin = z.string();
const SpecReadingSchema = z.object({
  found: z.array(
    z.object({
      name: z.string(),
      from: Origin,
      fieldsFrom: Origin,
      fields: z.array(
        z.object({
          name: z.string(),
          type: z.string(),
          format: z.string().optional(),
          required: z.boolean(),
        }),
      ),
    }),
  ),
  service: z.string(),
  serviceFrom: Origin,
  authEndpoint: z.string().optional(),
  referenced: z.array(z.object({ name: z.string(), by: z.string() })),
  ignored: z.array(z.object({ words: z.string(), why: z.string() })),
  requirementsPath: z.string().optional(),
});

const MAX_IGNORED = 10;

/** The lines under a spec gate, or [] when the gate's output is not api-spec's. */
export function requirementsLines(output: unknown, run: string, phase: string): string[] {
  const parsed = SpecReadingSchema.safeParse(output);
  if (!parsed.success) return [];
  const spec = parsed.data;
  const lines = [`Read for service ${safe(spec.service)} (${safe(spec.serviceFrom)}):`];
  for (const r of spec.found) {
    const fields = r.fields.map((f) => `${f.name}${f.required ? '*' : ''}: ${f.format ?? f.type}`).join(', ');
    lines.push(`  /${safe(r.name)} (${safe(r.from)}; fields ${safe(r.fieldsFrom)}): ${safe(fields)}`);
  }
  lines.push(
    `  auth: ${spec.authEndpoint ? safe(spec.authEndpoint) : 'none (no login in the requirements)'}`,
  );
  if (spec.referenced.length) {
    lines.push(
      `  referenced only: ${spec.referenced.map((r) => `${safe(r.name)} (by ${safe(r.by)})`).join(', ')}`,
    );
  }
  if (spec.ignored.length) {
    lines.push('  ignored:');
    for (const i of spec.ignored.slice(0, MAX_IGNORED)) lines.push(`    "${safe(i.words)}": ${safe(i.why)}`);
    if (spec.ignored.length > MAX_IGNORED) {
      lines.push(
        `    … and ${spec.ignored.length - MAX_IGNORED} more${spec.requirementsPath ? ` in ${safe(spec.requirementsPath)}` : ''}`,
      );
    }
  }
  const names = spec.found.map((r) => r.name).join(',');
  lines.push(
    `  Correct it: ${batonCommand(`modify ${run} ${phase} --set resources=${names}`)}   or   ${batonCommand(`modify ${run} ${phase} --set requirements="…"`)}`,
  );
  return lines.map((line) => `  ${line}`);
}
