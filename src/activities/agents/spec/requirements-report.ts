/** spec/REQUIREMENTS.md: the api-spec plan for a person, next to the spec it describes. */
import type { Plan } from './spec-plan';

const field = (f: Plan['found'][number]['fields'][number]) =>
  `\`${f.name}\` ${f.type}${f.format ? ` (${f.format})` : ''}${f.required ? ', required' : ''} — ` +
  (f.words ? `from "${f.words}"` : `from ${f.from}`);

export function requirementsMarkdown(plan: Plan, requirements: string | undefined, specPath: string): string {
  const lines = [
    `# ${plan.service}: what the spec was written from`,
    '',
    requirements
      ? `> ${requirements.trim().replace(/\s*\n\s*/g, '\n> ')}`
      : '_No requirements text: the resources were given._',
    '',
    `Spec: \`${specPath}\`. Service name from ${plan.serviceFrom}.`,
    '',
    '## Resources',
    '',
  ];
  for (const r of plan.found) {
    lines.push(
      `### /${r.name} (from ${r.from}; fields from ${r.fieldsFrom})`,
      '',
      ...r.fields.map((f) => `- ${field(f)}`),
      '',
    );
  }
  lines.push(
    '## Auth',
    '',
    plan.auth
      ? `\`${plan.authEndpoint}\`${plan.authFrom ? ` (from "${plan.authFrom}")` : ''}`
      : 'None: the requirements mention no login.',
    '',
  );
  if (plan.relations.length) {
    lines.push('## Relations', '', ...plan.relations.map((r) => `- ${r.resource}.${r.field} → ${r.to}`), '');
  }
  if (plan.referenced.length) {
    lines.push(
      '## Referenced, not resources',
      '',
      ...plan.referenced.map((r) => `- ${r.name} (by ${r.by}: "${r.from}")`),
      '',
    );
  }
  if (plan.ignored.length) {
    lines.push('## Ignored', '', ...plan.ignored.map((i) => `- "${i.words}": ${i.why}`), '');
  }
  lines.push(
    '## Correcting it',
    '',
    'At the spec gate: `baton modify <run> spec --set resources=books,authors` (names override the text),',
    '`--set requirements="…"` (read again), or `--set service=name`.',
    '',
  );
  return lines.join('\n');
}
