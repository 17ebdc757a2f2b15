/**
 * Which installed template a classified request runs, and with which params. Candidates come from
 * TYPE_TEMPLATES; the words of the request rank them; a tie is broken by the candidates' success
 * rate in past dispatches (learning from history), then by table order.
 */
import type { Params, ParamSpec } from '../shared/definition';
import type { WorkflowType } from './decision';
import { REQUEST_PARAMS, type TemplateCandidate, TYPE_TEMPLATES } from './tables';

/** A template as the analysis reads it: its raw definition (validated when it is used). */
export type TemplateBook = Record<string, Record<string, unknown>>;

/** Per template: dispatches that chose it and how many of those completed. */
export type SuccessRates = Record<string, { runs: number; completed: number; rate?: number }>;

export interface TemplatePick {
  template?: string;
  /** Why this one (or why none): for the decision's reasoning. */
  why: string;
  /** Candidates that tied, when the success rate broke the tie. */
  tied?: string[];
}

/** The best installed candidate for the type; undefined template when none of them is installed. */
export function pickTemplate(
  type: WorkflowType,
  words: ReadonlySet<string>,
  installed: TemplateBook,
  rates: SuccessRates = {},
): TemplatePick {
  const candidates: readonly TemplateCandidate[] = TYPE_TEMPLATES[type];
  const present = candidates.filter((c) => c.template in installed);
  const missing = candidates.filter((c) => !(c.template in installed)).map((c) => c.template);
  if (present.length === 0) {
    return {
      why: candidates.length
        ? `no template for ${type} is installed (looked for ${missing.join(', ')})`
        : `no template fits a ${type} request`,
    };
  }
  const scored = present
    .map((c, order) => ({
      template: c.template,
      order,
      score: c.base + c.words.filter((w) => words.has(w)).length,
    }))
    .filter((s) => s.score > 0);
  if (scored.length === 0) return { why: `no installed template fits this ${type} request` };
  const best = Math.max(...scored.map((s) => s.score));
  const top = scored.filter((s) => s.score === best);
  const rateOf = (t: string) => rates[t]?.rate ?? -1;
  top.sort((a, b) => rateOf(b.template) - rateOf(a.template) || a.order - b.order);
  const chosen = top[0]!.template;
  const skipped = missing.length ? ` (${missing.join(', ')} not installed)` : '';
  if (top.length > 1) {
    const tied = top.map((t) => t.template);
    const r = rates[chosen];
    const why =
      r?.rate !== undefined
        ? `${tied.join(' and ')} fit equally; ${chosen} has the best success rate in past dispatches (${Math.round(r.rate * 100)}% of ${r.runs})`
        : `${tied.join(' and ')} fit equally and no past dispatch tells them apart; ${chosen} comes first`;
    return { template: chosen, why: why + skipped, tied };
  }
  return { template: chosen, why: `template ${chosen} fits a ${type} request${skipped}` };
}

/**
 * Params for a definition from the request: a param that `--context` names takes that value; a
 * string param meant for the request (`requirement`, `feature`, `query`, ...) takes the request;
 * the rest keep their defaults.
 */
export function paramsFor(
  definition: Record<string, unknown>,
  request: string,
  context: Record<string, string>,
): Params {
  const specs = (definition.params ?? {}) as Record<string, Partial<ParamSpec>>;
  const params: Params = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = context[name];
    if (given !== undefined)
      params[name] =
        spec.type === 'number' ? Number(given) : spec.type === 'boolean' ? given === 'true' : given;
    else if ((spec.type ?? 'string') === 'string' && REQUEST_PARAMS.includes(name)) {
      params[name] = spec.maxLength !== undefined ? request.slice(0, spec.maxLength) : request;
    }
  }
  return params;
}
