/** `requirements.txt`: one entry per requirement line, keyed by its normalized project name. */
import type { Manifest, ManifestMerge } from './manifest';
import { bothChanged, mergeEntries } from './entries';
import { higherCompatible } from './versions';

const REQUIREMENT = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/;

/** PEP 503: `Foo_Bar`, `foo.bar` and `foo-bar` are one project. */
const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The line's requirement name, or undefined for comments, blanks and options (`-r`, `--index-url`). */
function nameOf(line: string): string | undefined {
  const text = line.replace(/\s+#.*$/, '').trim();
  if (text === '' || text.startsWith('#') || text.startsWith('-')) return undefined;
  const match = REQUIREMENT.exec(text);
  return match ? normalize(match[1] as string) : undefined;
}

function entries(text: string | undefined): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of (text ?? '').split(/\r?\n/)) {
    const name = nameOf(line);
    if (name) found.set(name, line.trim());
  }
  return found;
}

/** The version part of a requirement line (`requests==2.31.0` → `==2.31.0`). */
const specOf = (line: string) => /(===|==|~=|>=|<=|!=|>|<)\s*[0-9][^,;\s#]*/.exec(line)?.[0] ?? line;

function merge(baseText: string | undefined, oursText: string, theirsText: string): ManifestMerge {
  const [base, ours, theirs] = [entries(baseText), entries(oursText), entries(theirsText)];
  const merged = mergeEntries(
    base,
    ours,
    theirs,
    (a, b) => a === b,
    (name, o, t) => {
      const pick = higherCompatible(name, specOf(o), specOf(t));
      return 'problem' in pick ? pick : { value: pick.value === specOf(o) ? o : t, detail: pick.detail };
    },
  );
  if (merged.problems.length) return { problems: merged.problems };
  // Ours' lines in their order (comments and options kept), then theirs' new requirements.
  const lines: string[] = [];
  const placed = new Set<string>();
  for (const line of oursText.split(/\r?\n/)) {
    const name = nameOf(line);
    if (name === undefined) lines.push(line);
    else if (merged.merged.has(name)) {
      lines.push(merged.merged.get(name) as string);
      placed.add(name);
    }
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const [name, line] of merged.merged) if (!placed.has(name)) lines.push(line);
  return { content: `${lines.join('\n')}\n`, details: merged.details };
}

export const requirementsTxt: Manifest = {
  name: 'requirements.txt',
  matches: (path) => /(^|\/)requirements[^/]*\.txt$/.test(path),
  touchesDependencies: (b, o, t) => bothChanged(entries(b), entries(o), entries(t), (x, y) => x === y),
  merge,
};
