/** `package.json`: merged as JSON, the dependency maps per package, every other key three-way. */
import type { Manifest, ManifestMerge } from './manifest';
import { bothChanged, mergeEntries } from './entries';
import { higherCompatible } from './versions';

const DEPENDENCY_KEYS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

type Json = Record<string, unknown>;

function parse(text: string | undefined): Json | undefined {
  if (text === undefined || text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

const deps = (doc: Json, key: string): Map<string, string> =>
  new Map(Object.entries((doc[key] ?? {}) as Record<string, unknown>).map(([name, v]) => [name, String(v)]));

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The indentation ours uses (npm writes two spaces; some repos use tabs or four). */
function indentOf(text: string): string | number {
  const match = /^\{\r?\n([ \t]+)"/.exec(text);
  return match?.[1] ?? 2;
}

function merge(baseText: string | undefined, oursText: string, theirsText: string): ManifestMerge {
  const [base, ours, theirs] = [parse(baseText), parse(oursText), parse(theirsText)];
  if (!base || !ours || !theirs)
    return { problems: ['package.json does not parse as a JSON object on every side'] };
  const result: Json = {};
  const details: string[] = [];
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs), ...Object.keys(base)])) {
    if (DEPENDENCY_KEYS.includes(key) && (key in ours || key in theirs)) {
      const merged = mergeEntries(
        deps(base, key),
        deps(ours, key),
        deps(theirs, key),
        (a, b) => a === b,
        (name, o, t) => higherCompatible(`${key}.${name}`, o, t),
      );
      details.push(...merged.details);
      problems.push(...merged.problems);
      // npm keeps these maps sorted; a union keeps them so.
      result[key] = Object.fromEntries([...merged.merged].sort(([a], [b]) => (a < b ? -1 : 1)));
      continue;
    }
    const [b, o, t] = [base[key], ours[key], theirs[key]];
    if (!sameValue(o, t) && !sameValue(o, b) && !sameValue(t, b)) {
      problems.push(`"${key}" changed on both sides, outside the dependencies`);
      continue;
    }
    const value = sameValue(o, b) ? t : o;
    if (value !== undefined) result[key] = value;
  }
  if (problems.length) return { problems };
  const newline = oursText.endsWith('\n') ? '\n' : '';
  return { content: JSON.stringify(result, null, indentOf(oursText)) + newline, details };
}

export const packageJson: Manifest = {
  name: 'package.json',
  matches: (path) => /(^|\/)package\.json$/.test(path),
  touchesDependencies(baseText, oursText, theirsText) {
    const [base, ours, theirs] = [parse(baseText), parse(oursText), parse(theirsText)];
    if (!base || !ours || !theirs) return false;
    const all = (doc: Json) => new Map(DEPENDENCY_KEYS.map((k) => [k, JSON.stringify(doc[k] ?? {})]));
    return bothChanged(all(base), all(ours), all(theirs), (a, b) => a === b);
  },
  merge,
};
