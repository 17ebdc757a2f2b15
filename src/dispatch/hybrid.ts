/**
 * Template hybridization (seed 002): one definition that runs a first template, then a second one
 * fed with its output. Both are flattened into one pipeline: phase ids get a prefix per part, the
 * second part's first phases need the first part's last ones, and its request-carrying inputs get
 * the first part's report bound in.
 */
import { REQUEST_PARAMS } from './tables';

type Raw = Record<string, unknown>;
type RawPhase = Raw & { id: string; needs?: string[]; input?: Raw };

const PHASE_BINDING = /\$\{\s*phases\.([A-Za-z0-9_-]+)\./g;
const PARAM_BINDING = /\$\{\s*params\.([A-Za-z0-9_-]+)\s*\}/g;

/** Replaces bindings in every string of a value. */
function rewrite(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => rewrite(v, fn));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, fn)]));
  return value;
}

interface Part {
  prefix: string;
  definition: Raw;
}

/** One part's phases with prefixed ids and params renamed where `rename` says. */
function flattenPart(part: Part, rename: Record<string, string>): RawPhase[] {
  const phases = (part.definition.phases ?? []) as RawPhase[];
  const fix = (text: string) =>
    text
      .replace(PHASE_BINDING, (_, id: string) => `\${phases.${part.prefix}-${id}.`)
      .replace(PARAM_BINDING, (whole, name: string) => (rename[name] ? `\${params.${rename[name]}}` : whole));
  return phases.map((p) => ({
    ...(rewrite(p, fix) as RawPhase),
    id: `${part.prefix}-${p.id}`,
    needs: (p.needs ?? []).map((n) => `${part.prefix}-${n}`),
  }));
}

/** The phases no other phase needs: where a part ends. */
const leaves = (phases: RawPhase[]) =>
  phases.filter((p) => !phases.some((q) => (q.needs ?? []).includes(p.id))).map((p) => p.id);

/**
 * Combines `first` (e.g. research) and `second` (e.g. a development template) into one definition.
 * `handoff` is the first part's output that the second part's request inputs mention (the report).
 */
export function combineTemplates(
  first: { name: string; definition: Raw },
  second: { name: string; definition: Raw },
  handoff = 'reportPath',
): Raw {
  const firstParams = (first.definition.params ?? {}) as Raw;
  const secondParams = (second.definition.params ?? {}) as Raw;
  const rename: Record<string, string> = {};
  for (const name of Object.keys(secondParams)) if (name in firstParams) rename[name] = `build_${name}`;
  const a = flattenPart(
    { prefix: first.name.replace(/[^a-z0-9]+/gi, '-'), definition: first.definition },
    {},
  );
  const b = flattenPart({ prefix: 'build', definition: second.definition }, rename);
  const ends = leaves(a);
  const from = ends[ends.length - 1];
  for (const phase of b) {
    if ((phase.needs ?? []).length > 0) continue;
    phase.needs = ends;
    if (!from) continue;
    // Only inputs that carry the request get the report: other fields keep their types.
    phase.input = Object.fromEntries(
      Object.entries(phase.input ?? {}).map(([k, v]) => [
        k,
        typeof v === 'string' && REQUEST_PARAMS.some((p) => v.includes(`params.${rename[p] ?? p}}`))
          ? `${v} (research report: \${phases.${from}.output.${handoff}})`
          : v,
      ]),
    );
  }
  const params = {
    ...firstParams,
    ...Object.fromEntries(Object.entries(secondParams).map(([k, v]) => [rename[k] ?? k, v])),
  };
  return {
    name: `${first.name}-then-${second.name}`,
    version: '1',
    description: `${first.name}, then ${second.name} with its findings (combined by baton dispatch)`,
    params,
    phases: [...a, ...b],
  };
}
