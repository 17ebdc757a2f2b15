/** The dependency manifests the `dependency` class knows; adding a kind is one entry. */
import type { Manifest } from './manifest';
import { packageJson } from './package-json';
import { pomXml } from './pom';
import { requirementsTxt } from './requirements';

export type { Manifest, ManifestMerge } from './manifest';

export const MANIFESTS: readonly Manifest[] = [packageJson, requirementsTxt, pomXml];

export const manifestOf = (path: string): Manifest | undefined => MANIFESTS.find((m) => m.matches(path));
