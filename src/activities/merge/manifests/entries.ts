/** The three-way merge of a keyed set of entries (dependencies by name), shared by every manifest kind. */

export interface EntriesMerge<V> {
  merged: Map<string, V>;
  details: string[];
  problems: string[];
}

/**
 * Per entry: the same on both sides, or changed (or removed) on one side only, takes that; changed
 * on both calls `both`. Removed on one side and changed on the other is a problem. Order: ours,
 * then theirs' new entries.
 */
export function mergeEntries<V>(
  base: ReadonlyMap<string, V>,
  ours: ReadonlyMap<string, V>,
  theirs: ReadonlyMap<string, V>,
  same: (a: V | undefined, b: V | undefined) => boolean,
  both: (name: string, ours: V, theirs: V) => { value: V; detail: string } | { problem: string },
): EntriesMerge<V> {
  const result: EntriesMerge<V> = { merged: new Map(), details: [], problems: [] };
  for (const name of new Set([...ours.keys(), ...theirs.keys(), ...base.keys()])) {
    const [b, o, t] = [base.get(name), ours.get(name), theirs.get(name)];
    let value: V | undefined;
    if (same(o, t) || same(t, b)) value = o;
    else if (same(o, b)) value = t;
    else if (o === undefined || t === undefined) {
      result.problems.push(`${name}: removed on one side and changed on the other`);
      continue;
    } else {
      const pick = both(name, o, t);
      if ('problem' in pick) {
        result.problems.push(pick.problem);
        continue;
      }
      result.details.push(pick.detail);
      value = pick.value;
    }
    if (value !== undefined) result.merged.set(name, value);
  }
  return result;
}

/** True when both sides changed the entries (the conflict is in the dependencies). */
export function bothChanged<V>(
  base: ReadonlyMap<string, V>,
  ours: ReadonlyMap<string, V>,
  theirs: ReadonlyMap<string, V>,
  same: (a: V | undefined, b: V | undefined) => boolean,
): boolean {
  const changed = (side: ReadonlyMap<string, V>) =>
    [...new Set([...side.keys(), ...base.keys()])].some((k) => !same(side.get(k), base.get(k)));
  return changed(ours) && changed(theirs);
}
