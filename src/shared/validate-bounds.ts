import { formatBytes, jsonBytes, LIMITS, nestsDeeperThan } from './limits';
import type { Problem } from './validate-params';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DEPTH_HINT = `nests deeper than ${LIMITS.nestingDepth} levels of objects and arrays; flatten it`;

/**
 * The bounds checked before anything else, each cheap and iterative: a definition nested 100,000
 * levels deep or of 100,000 phases must be refused without walking it recursively or listing a
 * problem per phase. When one is broken, it is the only kind of problem reported.
 */
export function boundsProblems(raw: unknown, params: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const nested = Object.entries(params).filter(([, v]) => v !== null && typeof v === 'object');
  for (const [name, value] of nested.slice(0, 20)) {
    problems.push({
      path: `params.${name.slice(0, LIMITS.nameChars)}`,
      message: `expected a string, number or boolean, got ${Array.isArray(value) ? 'an array' : 'an object'}`,
    });
  }
  if (nested.length === 0 && jsonBytes(params) > LIMITS.paramsBytes) {
    problems.push({
      path: 'params',
      message: `the params are ${formatBytes(jsonBytes(params))} as JSON; at most ${formatBytes(LIMITS.paramsBytes)}`,
    });
  }
  if (!isRecord(raw)) return problems;
  // definition → phases → [i] → input: three levels above the input's own.
  if (nestsDeeperThan(raw, LIMITS.nestingDepth + 3)) {
    const phases = Array.isArray(raw.phases) ? (raw.phases as unknown[]) : [];
    const deep = phases.flatMap((phase, i) => {
      const input = isRecord(phase) ? phase.input : undefined;
      if (!nestsDeeperThan(input, LIMITS.nestingDepth)) return [];
      const id = isRecord(phase) && typeof phase.id === 'string' ? phase.id.slice(0, LIMITS.phaseIdChars) : i;
      return [{ path: `phases[${id}].input`, message: `the input ${DEPTH_HINT}` }];
    });
    problems.push(
      ...(deep.length
        ? deep.slice(0, 20)
        : [{ path: '(definition)', message: `the definition ${DEPTH_HINT}` }]),
    );
    return problems;
  }
  const bytes = jsonBytes(raw);
  if (bytes > LIMITS.definitionBytes) {
    problems.push({
      path: '(definition)',
      message: `the definition is ${formatBytes(bytes)} as JSON; at most ${formatBytes(LIMITS.definitionBytes)}. Keep large content in files the agents read`,
    });
  }
  if (Array.isArray(raw.phases) && raw.phases.length > LIMITS.phases) {
    problems.push({
      path: 'phases',
      message: `${raw.phases.length} phases; at most ${LIMITS.phases}. Split the pipeline`,
    });
  }
  return problems;
}
