/**
 * The modify form of each gate kind, and the parse of what it posts into the decision's `changes`:
 * approval and failure gates get a field per input of the phase's agent; a budget gate its budget
 * numbers; a verify gate the tasks to drop; a conflict gate a resolution per conflicted file.
 */
import { html } from 'hono/html';
import type { AgentInputSchema } from '../../shared/input-schema';
import type { OpenGate } from '../../shared/status';
import type { Html } from './layout';
import { agentFields, fieldsHtml, parseFields, type FieldSpec } from './schema-form';

export interface ModifyContext {
  gate: OpenGate;
  /** The phase agent's input schema, when this machine knows the agent. */
  schema?: AgentInputSchema;
}

const BUDGET_FIELDS: FieldSpec[] = [
  { name: 'budget.tokens', types: ['integer'], required: false, description: 'New token budget of the run' },
  { name: 'budget.costUsd', types: ['number'], required: false, description: 'New cost budget of the run (USD)' },
  { name: 'phaseBudget.tokens', types: ['integer'], required: false, description: 'Token budget of this phase' },
  { name: 'phaseBudget.costUsd', types: ['number'], required: false, description: 'Cost budget of this phase (USD)' },
];

/** The fields of a kind's modify form; undefined when the kind takes no modify here. */
export function modifyFields({ gate, schema }: ModifyContext): FieldSpec[] | undefined {
  switch (gate.kind) {
    case 'approval':
    case 'failure':
      return schema ? agentFields(schema, gate.kind === 'failure' ? gate.input : undefined) : undefined;
    case 'budget':
      return BUDGET_FIELDS;
    case 'verify':
      return gate.tasks.map((task) => ({ name: `drop.${task}`, types: ['boolean'], required: false, description: `Leave task ${task} out of the merge` }));
    case 'conflict':
      return gate.conflicts.flatMap((c) => [
        { name: `side.${c.path}`, types: [], required: false, choices: [gate.task], description: `Take task ${gate.task}'s side of ${c.path}` },
        { name: `content.${c.path}`, types: ['string'], multiline: true, required: false, description: `Or the resolved content of ${c.path}` },
      ]);
    default:
      return undefined;
  }
}

/** Why the form cannot be shown: the agent is unknown here, or the kind takes no modify. */
export function noModifyReason({ gate, schema }: ModifyContext): string {
  if ((gate.kind === 'approval' || gate.kind === 'failure') && !schema) {
    return 'This machine does not know the input schema of the phase\'s agent, so no form can be generated.';
  }
  return `A ${gate.kind} gate takes no modify.`;
}

export function modifyFormHtml(ctx: ModifyContext, posted: Record<string, string> = {}, problems: Record<string, string> = {}): Html {
  const fields = modifyFields(ctx);
  if (!fields) return html`<p class="muted">${noModifyReason(ctx)}</p>`;
  if (fields.length === 0) return html`<p class="muted">The agent declares no input fields to change.</p>`;
  // Boolean choices of a verify gate read better as checkboxes, and "unchanged" means "keep".
  return fieldsHtml(fields, ctx.gate.kind === 'verify' ? 'start' : 'modify', posted, problems);
}

function nested(values: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(values)) {
    const dot = key.indexOf('.');
    const head = key.slice(0, dot);
    (out[head] ??= {})[key.slice(dot + 1)] = value;
  }
  return out;
}

/** The posted form as a decision's `changes`, or the problems by field. */
export function parseModify(
  ctx: ModifyContext,
  posted: Record<string, string>,
): { changes?: Record<string, unknown>; problems: Record<string, string> } {
  const fields = modifyFields(ctx);
  if (!fields) return { problems: { '': noModifyReason(ctx) } };
  const { values, problems } = parseFields(fields, posted, ctx.gate.kind === 'verify' ? 'start' : 'modify');
  if (Object.keys(problems).length > 0) return { problems };
  let changes: Record<string, unknown> = values;
  if (ctx.gate.kind === 'budget') changes = nested(values);
  if (ctx.gate.kind === 'verify') {
    const drop = Object.entries(values).filter(([, v]) => v === true).map(([k]) => k.slice('drop.'.length));
    changes = drop.length ? { drop } : {};
  }
  if (ctx.gate.kind === 'conflict') {
    const { side = {}, content = {} } = nested(values);
    const resolutions: Record<string, unknown> = { ...side };
    for (const [path, text] of Object.entries(content)) resolutions[path] = { content: String(text) };
    changes = Object.keys(resolutions).length ? { resolutions } : {};
  }
  if (Object.keys(changes).length === 0) {
    return { problems: { '': 'Change at least one field: a modify without changes does nothing (use retry to run the phase again as it is).' } };
  }
  return { changes, problems: {} };
}
