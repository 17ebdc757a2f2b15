/**
 * The rules a template param may declare (`pattern`, `enum`, `minLength`, `maxLength`, `min`,
 * `max`), checked by the client and again by the run. Sandbox-safe. Patterns run inside workflow
 * code, where a regular expression that backtracks for minutes would stall every workflow task of
 * the run; so a pattern that can backtrack exponentially is refused, and the value it is tested
 * against is bounded too.
 */
import type { ParamSpec, ParamValue } from './definition';
import { LIMITS } from './limits';

/** `"todo-service"`, shortened when long: values are quoted in messages, never pasted whole. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} characters)` : text;
}

const SPECIAL = new Set([...'.^$|()[]{}*+?\\']);

/** Reads one atom at `i`: an escape, a class, a dot or a literal. Returns its source and its end. */
function readAtom(source: string, i: number): { atom: string; end: number } {
  const c = source[i] as string;
  if (c === '[') {
    let j = i + 1;
    if (source[j] === '^') j++;
    if (source[j] === ']') j++;
    while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
    return { atom: source.slice(i, j + 1), end: j + 1 };
  }
  if (c === '\\') {
    const next = source[i + 1] ?? '';
    if ((next === 'p' || next === 'P' || next === 'u') && source[i + 2] === '{') {
      const close = source.indexOf('}', i);
      return { atom: source.slice(i, close + 1), end: close + 1 };
    }
    const width = next === 'x' ? 4 : next === 'u' ? 6 : next === 'c' ? 3 : 2;
    return { atom: source.slice(i, i + width), end: i + width };
  }
  return { atom: c, end: i + 1 };
}

/** The one character a literal atom stands for (`,` or `\.`), or undefined for anything wider. */
function literalChar(atom: string): string | undefined {
  if (atom.length === 1 && !SPECIAL.has(atom)) return atom;
  if (atom.length === 2 && atom[0] === '\\' && /[^A-Za-z0-9]/.test(atom[1] as string)) return atom[1];
  return undefined;
}

interface Group {
  /** Atoms inside the group that repeat (under a `*`, `+` or `{n,}`), at any depth. */
  repeated: string[];
  /** Every atom inside the group, at any depth. */
  atoms: string[];
  alternation: boolean;
  /** The group's first atom, when nothing repeats it. */
  first?: string;
  firstRepeated: boolean;
}

const newGroup = (): Group => ({ repeated: [], atoms: [], alternation: false, firstRepeated: false });

/**
 * A repeated group whose body can itself repeat (`(a+)+`, `(a|ab)*`) backtracks exponentially,
 * unless each repetition starts with a literal that nothing repeated inside can match: then there
 * is one way to split the text. `(,[a-z0-9-]+)*` is safe, `(\s*,\s*[a-z]+)*` is not.
 */
function delimited(group: Group): boolean {
  const first = group.first === undefined ? undefined : literalChar(group.first);
  if (first === undefined || group.firstRepeated || group.alternation) return false;
  return group.repeated.every((atom) => !new RegExp(`^(?:${atom})$`, 'u').test(first));
}

/** Why `source` is not a pattern a param may use, or undefined when it is. */
export function patternProblem(source: string): string | undefined {
  try {
    new RegExp(source, 'u');
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  if (/\\[1-9]|\\k</.test(source)) return 'uses a backreference, which can take exponential time; remove it';
  const stack: Group[] = [newGroup()];
  let last: { atom?: string; group?: Group } | undefined;
  let i = 0;
  while (i < source.length) {
    const current = stack[stack.length - 1] as Group;
    const c = source[i] as string;
    const quantifier = /^(?:[*+?]|\{\d+(?:,\d*)?\})/.exec(source.slice(i))?.[0];
    if (quantifier) {
      i += quantifier.length;
      if (source[i] === '?') i++;
      const repeats =
        quantifier !== '?' && !/^\{\d+\}$/.test(quantifier) && !/^\{\d+,[01]\}$/.test(quantifier);
      if (!repeats || !last) continue;
      if (last.group) {
        if ((last.group.repeated.length > 0 || last.group.alternation) && !delimited(last.group)) {
          return `repeats a group that can repeat inside itself (near position ${i}), which can take exponential time; start each repetition with a literal, as in (,[a-z]+)*`;
        }
        current.repeated.push(...last.group.atoms);
      } else if (last.atom !== undefined) {
        current.repeated.push(last.atom);
        if (current.atoms.length === 1 && current.first === last.atom) current.firstRepeated = true;
      }
      last = undefined;
    } else if (c === '(') {
      const prefix = /^\((?:\?(?::|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>))?/.exec(source.slice(i))?.[0] ?? '(';
      i += prefix.length;
      stack.push(newGroup());
      last = undefined;
    } else if (c === ')') {
      i++;
      const group = stack.pop() as Group;
      const parent = stack[stack.length - 1] ?? newGroup();
      parent.repeated.push(...group.repeated);
      parent.atoms.push(...group.atoms);
      parent.alternation ||= group.alternation;
      if (parent.first === undefined && parent.atoms.length === group.atoms.length)
        parent.first = group.first;
      last = { group };
    } else if (c === '|') {
      i++;
      current.alternation = true;
      last = undefined;
    } else if (c === '^' || c === '$') {
      i++;
      last = undefined;
    } else {
      const { atom, end } = readAtom(source, i);
      i = end;
      if (current.atoms.length === 0) current.first = atom;
      current.atoms.push(atom);
      last = { atom };
    }
  }
  return undefined;
}

/** Problems with a param's declared rules themselves, as `[field, message]`. */
export function paramSpecProblems(spec: ParamSpec): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const onlyFor = (field: keyof ParamSpec, type: ParamSpec['type']) => {
    if (spec[field] !== undefined && spec.type !== type)
      problems.push([field, `${field} applies to ${type} params; this one is a ${spec.type}`]);
  };
  onlyFor('pattern', 'string');
  onlyFor('minLength', 'string');
  onlyFor('maxLength', 'string');
  onlyFor('min', 'number');
  onlyFor('max', 'number');
  if (spec.pattern !== undefined && spec.type === 'string') {
    const problem = patternProblem(spec.pattern);
    if (problem) problems.push(['pattern', `${quote(spec.pattern)} ${problem}`]);
  }
  if (spec.minLength !== undefined && spec.maxLength !== undefined && spec.minLength > spec.maxLength)
    problems.push(['maxLength', `maxLength ${spec.maxLength} is less than minLength ${spec.minLength}`]);
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max)
    problems.push(['max', `max ${spec.max} is less than min ${spec.min}`]);
  spec.enum?.forEach((option, i) => {
    if (typeof option !== spec.type)
      problems.push([`enum[${i}]`, `${quote(option)} is not a ${spec.type}, as the param is`]);
  });
  return problems;
}

/** Why `value` breaks one of the param's rules (naming the value and the rule), or undefined. */
export function paramRuleProblem(spec: ParamSpec, value: ParamValue): string | undefined {
  const hint = spec.description ? ` (${spec.description})` : '';
  if (spec.enum !== undefined && !spec.enum.includes(value))
    return `${quote(value)} is not one of the allowed values: ${spec.enum.map((v) => quote(v)).join(', ')}`;
  if (typeof value === 'string') {
    if (spec.minLength !== undefined && value.length < spec.minLength)
      return `${quote(value)} is too short: minLength is ${spec.minLength}${hint}`;
    if (spec.maxLength !== undefined && value.length > spec.maxLength)
      return `${quote(value)} is too long: maxLength is ${spec.maxLength}, it has ${value.length} characters`;
    if (spec.pattern !== undefined && patternProblem(spec.pattern) === undefined) {
      if (value.length > LIMITS.patternValueChars)
        return `${quote(value)} is too long to check against its pattern: at most ${LIMITS.patternValueChars} characters`;
      if (!new RegExp(spec.pattern, 'u').test(value))
        return `${quote(value)} does not match the pattern ${spec.pattern}${hint}`;
    }
  }
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min) return `${value} is less than min ${spec.min}`;
    if (spec.max !== undefined && value > spec.max) return `${value} is more than max ${spec.max}`;
  }
  return undefined;
}
