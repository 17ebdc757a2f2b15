/**
 * Forms generated from a schema: a gate's modify form from the phase agent's input schema
 * (`AgentInputSchema`: top-level fields, JSON types, required), and the start form from a
 * template's params. One field per property; the posted values are parsed back to JSON types with
 * a problem per field, so bad input re-renders the form with the field's message.
 */
import { html } from 'hono/html';
import type { TemplateParam } from '../../client/api-schemas';
import type { AgentInputSchema, JSON_TYPES } from '../../shared/input-schema';
import type { Html } from './layout';

type JsonType = (typeof JSON_TYPES)[number];

export interface FieldSpec {
  name: string;
  /** The JSON types the field takes; empty when the schema does not say (a text field). */
  types: JsonType[];
  required: boolean;
  description?: string;
  /** What the field shows first: the phase's input, a param's default. */
  value?: unknown;
  /** A param's allowed values (`enum`): a select. */
  choices?: readonly unknown[];
  /** A long text (a file's content): a textarea, posted as it is. */
  multiline?: boolean;
}

export type Widget = 'checkbox' | 'tristate' | 'number' | 'integer' | 'json' | 'text' | 'textarea' | 'select';

export function widgetOf(spec: FieldSpec, mode: 'start' | 'modify'): Widget {
  const types = spec.types.filter((t) => t !== 'null');
  if (spec.choices) return 'select';
  if (spec.multiline) return 'textarea';
  if (types.length === 1 && types[0] === 'boolean') return mode === 'modify' ? 'tristate' : 'checkbox';
  if (types.length > 0 && types.every((t) => t === 'integer')) return 'integer';
  if (types.length > 0 && types.every((t) => t === 'number' || t === 'integer')) return 'number';
  if (types.length > 0 && types.every((t) => t === 'object' || t === 'array')) return 'json';
  return 'text';
}

export function agentFields(schema: AgentInputSchema, input?: Record<string, unknown>): FieldSpec[] {
  return Object.entries(schema.properties).map(([name, prop]) => ({
    name,
    types: prop.type ?? [],
    required: schema.required.includes(name),
    ...(input && Object.hasOwn(input, name) ? { value: input[name] } : {}),
  }));
}

const PARAM_TYPES: Record<string, JsonType[]> = {
  string: ['string'],
  number: ['number'],
  integer: ['integer'],
  boolean: ['boolean'],
  array: ['array'],
  object: ['object'],
};

export function paramFields(params: Record<string, TemplateParam>): FieldSpec[] {
  return Object.entries(params).map(([name, p]) => {
    const choices = Array.isArray(p.rules?.enum) ? (p.rules.enum as unknown[]) : undefined;
    return {
      name,
      types: PARAM_TYPES[p.type] ?? [],
      required: p.required,
      ...(p.description ? { description: p.description } : {}),
      ...(p.default !== undefined ? { value: p.default } : {}),
      ...(choices ? { choices } : {}),
    };
  });
}

const shown = (value: unknown): string =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);

/** The form's controls, each labelled, with its problem (if any) tied to it by aria-describedby. */
export function fieldsHtml(
  specs: readonly FieldSpec[],
  mode: 'start' | 'modify',
  posted: Record<string, string> = {},
  problems: Record<string, string> = {},
): Html {
  return html`${specs.map((spec) => {
    const id = `field-${mode}-${spec.name}`;
    const name = `field.${spec.name}`;
    const value = Object.hasOwn(posted, spec.name) ? posted[spec.name] : shown(spec.value);
    const problem = problems[spec.name];
    const described = [spec.description ? `${id}-help` : '', problem ? `${id}-problem` : ''].filter(Boolean).join(' ') || undefined;
    const widget = widgetOf(spec, mode);
    const typeNote = spec.types.length ? spec.types.join(' | ') : 'any';
    const label = html`<label for="${id}">${spec.name}${spec.required && mode === 'start' ? html` <abbr title="required">*</abbr>` : ''} <span class="muted">(${typeNote})</span></label>`;
    let control: Html;
    if (widget === 'checkbox') {
      const checked = Object.hasOwn(posted, spec.name) ? posted[spec.name] === 'true' : spec.value === true;
      control = html`<input type="hidden" name="${name}" value="false"><input id="${id}" type="checkbox" name="${name}" value="true" ${checked ? 'checked' : ''} aria-describedby="${described}">`;
    } else if (widget === 'tristate' || widget === 'select') {
      const options = widget === 'tristate' ? ['true', 'false'] : (spec.choices ?? []).map(shown);
      control = html`<select id="${id}" name="${name}" aria-describedby="${described}">
        <option value="">${mode === 'modify' ? '(unchanged)' : '(choose)'}</option>
        ${options.map((o) => html`<option value="${o}" ${o === value ? 'selected' : ''}>${o}</option>`)}
      </select>`;
    } else if (widget === 'json' || widget === 'textarea') {
      control = html`<textarea id="${id}" name="${name}" rows="5" spellcheck="false" aria-describedby="${described}" placeholder="${widget === 'json' ? 'JSON' : ''}">${value}</textarea>`;
    } else {
      const type = widget === 'text' ? 'text' : 'number';
      const step = widget === 'number' ? 'any' : widget === 'integer' ? '1' : undefined;
      control = html`<input id="${id}" type="${type}" step="${step}" name="${name}" value="${value}" aria-describedby="${described}" aria-invalid="${problem ? 'true' : undefined}">`;
    }
    return html`<div class="field${problem ? ' invalid' : ''}" data-field="${spec.name}">
      ${label}${control}
      ${spec.description ? html`<small id="${id}-help">${spec.description}</small>` : ''}
      ${problem ? html`<small class="problem" id="${id}-problem" role="alert">${problem}</small>` : ''}
    </div>`;
  })}`;
}

/** The posted `field.<name>` values, as strings by field name. */
export function postedFields(form: Record<string, string | File | (string | File)[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(form)) {
    if (!key.startsWith('field.')) continue;
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
    // A checkbox posts its hidden "false" and, when ticked, "true": the last one wins.
    out[key.slice('field.'.length)] = values.at(-1) ?? '';
  }
  return out;
}

/**
 * Posted strings back to JSON values. Empty fields are left out (in a modify: unchanged); a
 * required field left empty at start, a number that is not one, or JSON that does not parse is a
 * problem named by its field.
 */
export function parseFields(
  specs: readonly FieldSpec[],
  posted: Record<string, string>,
  mode: 'start' | 'modify',
): { values: Record<string, unknown>; problems: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const spec of specs) {
    const widget = widgetOf(spec, mode);
    const text = widget === 'textarea' ? (posted[spec.name] ?? '') : (posted[spec.name] ?? '').trim();
    if (text === '') {
      if (mode === 'start' && spec.required && widget !== 'checkbox') problems[spec.name] = `${spec.name} is required`;
      continue;
    }
    if (widget === 'checkbox' || widget === 'tristate') values[spec.name] = text === 'true';
    else if (widget === 'number' || widget === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n)) problems[spec.name] = `${spec.name} must be a number; got "${text.slice(0, 100)}"`;
      else if (widget === 'integer' && !Number.isInteger(n)) problems[spec.name] = `${spec.name} must be a whole number; got ${text.slice(0, 100)}`;
      else values[spec.name] = n;
    } else if (widget === 'json') {
      try {
        values[spec.name] = JSON.parse(text);
      } catch (error) {
        problems[spec.name] = `${spec.name} must be JSON (${spec.types.join(' or ')}): ${(error as Error).message}`;
      }
    } else if (widget === 'select') {
      const choice = (spec.choices ?? []).find((c) => shown(c) === text);
      if (choice === undefined) problems[spec.name] = `${spec.name} must be one of ${(spec.choices ?? []).map(shown).join(', ')}`;
      else values[spec.name] = choice;
    } else values[spec.name] = text;
  }
  return { values, problems };
}
