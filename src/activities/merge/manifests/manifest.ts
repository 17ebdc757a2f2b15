/** What a dependency manifest kind offers the `dependency` class: detection and a structural merge. */

export type ManifestMerge = { content: string; details: string[] } | { problems: string[] };

export interface Manifest {
  name: string;
  matches(path: string): boolean;
  /** Both sides changed dependency entries: the conflict is a dependency conflict. */
  touchesDependencies(base: string | undefined, ours: string, theirs: string): boolean;
  /** The merged file, or what a person must decide. A missing base (both added the file) is empty. */
  merge(base: string | undefined, ours: string, theirs: string): ManifestMerge;
}
