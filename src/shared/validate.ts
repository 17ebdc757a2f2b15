import { collectBindings, parseReference } from './binding';
import { ancestors, findCycle } from './dag';
import {
  type Definition,
  DefinitionSchema,
  type Params,
  type ParamSpec,
  ParamSpecSchema,
  RetrySchema,
} from './definition';
import { DURATION_HINT, parseDuration } from './duration';
import { type AgentInputSchemas, inputProblems } from './input-schema';
import { LIMITS } from './limits';
import { quote } from './param-rules';
import { approvalProblems } from './validate-approval';
import { parallelProblems } from './validate-parallel';
import { boundsProblems } from './validate-bounds';
import { loopProblems, pipelineProblems, type ChildScope } from './validate-children';
import { checkParams } from './validate-params';
import { flowProblems } from './validate-flow';
import { zodProblems } from './validate-zod';
import type { Problem } from './validate-params';

export type { Problem };

export type ValidationResult =
  { ok: true; definition: Definition; params: Params } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /** Agent names the worker knows. When omitted, agents are not checked here. */
  agents?: readonly string[];
  /**
   * The input schemas of those agents. When given, each phase's static input is checked against
   * its agent's: unknown fields (named, with the accepted ones), missing required ones, wrong types.
   */
  agentSchemas?: AgentInputSchemas;
}

/**
 * What the semantic checks read. A parsed definition is one; a definition that fails the schema is
 * turned into one by `bestEffortView`, so its other problems are still reported.
 */
interface PhaseView {
  id: string;
  /** Undefined when the agent is missing or mistyped: the schema reports that. */
  agent?: string;
  needs: readonly string[];
  input: Record<string, unknown>;
  timeout?: unknown;
  heartbeatTimeout?: unknown;
  retry?: { initialInterval?: unknown; maxInterval?: unknown };
  approval?: boolean | { timeout?: unknown };
  /** A parallel phase's settings, as given: `checkParallel` reads what it can of them. */
  parallel?: unknown;
  merge?: unknown;
  /** Conditions and fallbacks, as given: `flowProblems` checks them. */
  when?: unknown;
  onFailure?: unknown;
  /** Kinds `pipeline` and `loop`, as given: validate-children reads what it can of them. */
  pipeline?: unknown;
  params?: unknown;
  loop?: unknown;
}

interface DefinitionView {
  name?: string;
  /**
   * Declared params; a spec too malformed to check against is `undefined` but still declared.
   * Undefined as a whole when `params` is not an object, and then params are not checked.
   */
  params?: Record<string, ParamSpec | undefined>;
  phases: readonly PhaseView[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A duration of the wrong type is left out: the schema reported it already, at the same path, so a
 * second "is not a duration" problem would only repeat it.
 */
const durationField = (value: unknown): unknown =>
  typeof value === 'string' || typeof value === 'number' ? value : undefined;

/** The schema's retry defaults, so maxInterval is compared with the same initialInterval either way. */
const RETRY_DEFAULTS = RetrySchema.parse({});

/** Every raw phase with a string id, each field kept where it has the right type. */
function bestEffortView(raw: Record<string, unknown>): DefinitionView {
  const phases: PhaseView[] = [];
  for (const phase of Array.isArray(raw.phases) ? (raw.phases as unknown[]) : []) {
    if (!isRecord(phase) || typeof phase.id !== 'string' || !phase.id) continue;
    const { agent, needs, input, retry, approval } = phase;
    phases.push({
      id: phase.id,
      agent: typeof agent === 'string' && agent ? agent : undefined,
      needs: Array.isArray(needs) && needs.every((n) => typeof n === 'string') ? needs : [],
      input: isRecord(input) ? input : {},
      parallel: phase.parallel,
      merge: phase.merge,
      when: phase.when,
      onFailure: phase.onFailure,
      pipeline: phase.pipeline,
      params: phase.params,
      loop: phase.loop,
      timeout: durationField(phase.timeout),
      heartbeatTimeout: durationField(phase.heartbeatTimeout),
      retry: isRecord(retry)
        ? {
            initialInterval:
              retry.initialInterval === undefined
                ? RETRY_DEFAULTS.initialInterval
                : durationField(retry.initialInterval),
            maxInterval: durationField(retry.maxInterval),
          }
        : undefined,
      approval: isRecord(approval) ? { ...approval, timeout: durationField(approval.timeout) } : undefined,
    });
  }
  let params: DefinitionView['params'];
  if (raw.params === undefined) params = {};
  else if (isRecord(raw.params)) {
    params = Object.fromEntries(
      Object.entries(raw.params).map(([name, spec]) => {
        const parsed = ParamSpecSchema.safeParse(spec);
        return [name, parsed.success ? parsed.data : undefined];
      }),
    );
  }
  const name = typeof raw.name === 'string' && raw.name ? raw.name : undefined;
  return { name, params, phases };
}

function checkPhases(definition: DefinitionView, options: ValidateOptions, problems: Problem[]): void {
  const ids = definition.phases.map((p) => p.id);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id))
      problems.push({ path: `phases[${id}].id`, message: `duplicate phase id "${id}"; ids must be unique` });
    seen.add(id);
  }
  const agents = options.agents ? new Set(options.agents) : undefined;

  for (const phase of definition.phases) {
    const at = `phases[${phase.id}]`;
    if (agents && phase.agent !== undefined && !agents.has(phase.agent)) {
      problems.push({
        path: `${at}.agent`,
        message: `unknown agent "${phase.agent}"; known agents: ${[...agents].sort().join(', ')}`,
      });
    }
    phase.needs.forEach((need, i) => {
      if (need === phase.id)
        problems.push({ path: `${at}.needs[${i}]`, message: `phase "${phase.id}" cannot need itself` });
      else if (!seen.has(need)) {
        problems.push({
          path: `${at}.needs[${i}]`,
          message: `needs "${need}", which is not defined; phases are: ${ids.join(', ')}`,
        });
      }
    });
    const durations: Array<[string, unknown, number, string]> = [
      ['timeout', phase.timeout, LIMITS.attemptTimeoutMs, 'one agent attempt'],
      ['heartbeatTimeout', phase.heartbeatTimeout, LIMITS.attemptTimeoutMs, 'a heartbeat timeout'],
      ['retry.initialInterval', phase.retry?.initialInterval, LIMITS.retryIntervalMs, 'a retry interval'],
      ['retry.maxInterval', phase.retry?.maxInterval, LIMITS.retryIntervalMs, 'a retry interval'],
      [
        'approval.timeout',
        typeof phase.approval === 'object' ? phase.approval.timeout : undefined,
        LIMITS.gateTimeoutMs,
        'a gate timeout',
      ],
    ];
    for (const [field, value, limit, what] of durations) {
      if (value === undefined) continue;
      const ms = parseDuration(value);
      if (ms === undefined) {
        problems.push({
          path: `${at}.${field}`,
          message: `${quote(value)} is not a duration; ${DURATION_HINT}`,
        });
      } else if (ms > limit) {
        problems.push({
          path: `${at}.${field}`,
          message: `${quote(value)} is longer than the limit for ${what}, ${formatLimit(limit)}; use a shorter duration`,
        });
      }
    }
    if (options.agentSchemas && phase.agent !== undefined) {
      const schema = options.agentSchemas[phase.agent];
      for (const [key, message] of schema ? inputProblems(phase.agent, phase.input, schema) : []) {
        problems.push({ path: `${at}.input.${key}`, message });
      }
    }
    const initial = parseDuration(phase.retry?.initialInterval);
    const max = parseDuration(phase.retry?.maxInterval);
    if (initial !== undefined && max !== undefined && max < initial) {
      problems.push({
        path: `${at}.retry.maxInterval`,
        message: `"${String(phase.retry?.maxInterval)}" is shorter than initialInterval "${String(phase.retry?.initialInterval)}"; make it at least as long`,
      });
    }
    problems.push(...approvalProblems(phase));
    const upstream = ancestors(definition.phases, phase.id);
    if (phase.parallel !== undefined) {
      problems.push(
        ...parallelProblems(phase, { upstream, defined: seen, params: definition.params, agents }),
      );
    }
    problems.push(...pipelineProblems(phase, childScope(definition, upstream, seen, options)));
    for (const expression of collectBindings(phase.input)) {
      const ref = parseReference(expression);
      if (ref.kind === 'invalid') problems.push({ path: `${at}.input`, message: ref.reason });
      else if (ref.kind === 'param' && definition.params && !(ref.name in definition.params)) {
        problems.push({
          path: `${at}.input`,
          message: `binds param "${ref.name}", which the definition does not declare`,
        });
      } else if (ref.kind === 'phase' && !upstream.has(ref.phase)) {
        problems.push({
          path: `${at}.input`,
          message: seen.has(ref.phase)
            ? `binds the output of "${ref.phase}", which it does not need; add "${ref.phase}" to needs`
            : `binds the output of "${ref.phase}", which is not defined`,
        });
      }
    }
  }
  problems.push(...flowProblems(definition.phases, definition.params));
  problems.push(...loopProblems(childScope(definition, new Set(), seen, options)));
  const cycle = findCycle(definition.phases);
  if (cycle) {
    problems.push({ path: `phases[${cycle[0]}].needs`, message: `dependency cycle: ${cycle.join(' → ')}` });
  }
}

/** What the checks of `pipeline` and `loop` phases read; a child definition is validated like this one. */
const childScope = (
  definition: DefinitionView,
  upstream: ReadonlySet<string>,
  defined: ReadonlySet<string>,
  options: ValidateOptions,
): ChildScope => ({
  upstream,
  defined,
  agentSchemas: options.agentSchemas,
  params: definition.params,
  phases: definition.phases,
  validate: (raw, params) => {
    const checked = validateDefinition(raw, params, options);
    return checked.ok ? [] : checked.problems;
  },
});

/** `365d`, `24h`: the limits are whole days or hours. */
function formatLimit(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${Math.round(ms / 3_600_000)}h`;
}

/**
 * Validates a definition and the params for one run. Every problem is reported at once, each naming
 * the phase and the field, so a user fixes a definition in one pass.
 */
export function validateDefinition(
  raw: unknown,
  params: Record<string, unknown> = {},
  options: ValidateOptions = {},
): ValidationResult {
  const bounds = boundsProblems(raw, params);
  if (bounds.length) return { ok: false, problems: bounds };
  const parsed = DefinitionSchema.safeParse(raw);
  if (parsed.success) {
    const problems: Problem[] = [];
    checkPhases(parsed.data, options, problems);
    const resolved = checkParams(parsed.data, params, problems);
    return problems.length
      ? { ok: false, problems }
      : { ok: true, definition: parsed.data, params: resolved };
  }
  const schema = zodProblems(parsed.error, raw);
  // Not an object at all: nothing else can be checked, and one problem says why.
  if (!isRecord(raw)) return { ok: false, problems: schema };
  const view = bestEffortView(raw);
  const semantic: Problem[] = [];
  checkPhases(view, options, semantic);
  checkParams(view, params, semantic);
  return { ok: false, problems: withoutDuplicates([...schema, ...semantic]) };
}

/** Drops exact repeats, keeping the first of each so the order stays stable. */
function withoutDuplicates(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
}
