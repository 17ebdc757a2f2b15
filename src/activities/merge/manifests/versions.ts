/** Choosing between two versions of one dependency: the higher one, when semver says they are compatible. */
import semver from 'semver';

export type Pick = { value: string; detail: string } | { problem: string };

/** The lowest version a spec allows (`^4.19.2` → 4.19.2, `==2.31.0` → 2.31.0), or undefined. */
export function versionOf(spec: string): semver.SemVer | undefined {
  const cleaned = spec.trim().replace(/^(===|==|~=|>=|<=|!=|=|v)\s*/, '');
  try {
    const min = semver.validRange(cleaned) ? semver.minVersion(cleaned) : null;
    return min ?? semver.coerce(cleaned) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Compatible as a caret range reads them: the same major, and for 0.x the same minor too. */
function compatible(a: semver.SemVer, b: semver.SemVer): boolean {
  if (a.major !== b.major) return false;
  return a.major !== 0 || a.minor === b.minor;
}

/**
 * The higher of two compatible versions of `name`. Specs that are not versions (a git URL,
 * `latest`, `${project.version}`) or incompatible majors are a problem for a human.
 */
export function higherCompatible(name: string, ours: string, theirs: string, show = (v: string) => v): Pick {
  const [o, t] = [versionOf(ours), versionOf(theirs)];
  if (!o || !t) {
    return {
      problem: `${name}: ${show(ours)} and ${show(theirs)} are not both semver versions; a person must choose`,
    };
  }
  if (!compatible(o, t)) {
    return {
      problem: `${name}: ${show(ours)} and ${show(theirs)} are incompatible (different majors); a person must choose`,
    };
  }
  const value = semver.gt(t, o) ? theirs : ours;
  return {
    value,
    detail: `${name}: kept ${show(value)} (highest compatible of ${show(ours)} and ${show(theirs)})`,
  };
}
