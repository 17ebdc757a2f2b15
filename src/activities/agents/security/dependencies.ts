/**
 * The `dependency-audit` agent: the scope's manifests (package.json, package-lock.json,
 * requirements.txt, pom.xml, in the scope and the directories above it) against the advisory list
 * Baton ships in data/advisories.json.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { z } from 'zod';
import {
  TEMPLATE_AGENT_INPUTS,
  SecurityFindingSchema,
  type SecurityFinding,
} from '../../../shared/template-agent-inputs';
import { defineAgent } from '../agent';
import { readText, scopeFiles } from './scope';

const AdvisorySchema = z.object({
  ecosystem: z.enum(['npm', 'pypi', 'maven']),
  package: z.string(),
  affected: z.string(),
  severity: SecurityFindingSchema.shape.severity,
  id: z.string(),
  summary: z.string(),
});
export type Advisory = z.infer<typeof AdvisorySchema>;
const AdvisoryFileSchema = z.object({ advisories: z.array(AdvisorySchema) });

export const ADVISORIES_PATH = fileURLToPath(new URL('../../../../data/advisories.json', import.meta.url));

export async function loadAdvisories(file = ADVISORIES_PATH): Promise<Advisory[]> {
  return AdvisoryFileSchema.parse(JSON.parse(await readFile(file, 'utf8'))).advisories;
}

/** One dependency a manifest names: the version it pins (or the lowest its range allows). */
interface Declared {
  ecosystem: Advisory['ecosystem'];
  name: string;
  version: string;
  file: string;
  line?: number;
  exact: boolean;
}

const lineOf = (text: string, needle: string): number | undefined => {
  const index = text.indexOf(needle);
  return index < 0 ? undefined : text.slice(0, index).split('\n').length;
};

/** How each manifest is read, by file name. */
const MANIFESTS: Record<string, (file: string, text: string) => Declared[]> = {
  'package.json': (file, text) => {
    const pkg = JSON.parse(text) as Record<string, Record<string, string> | undefined>;
    return Object.entries({ ...pkg.devDependencies, ...pkg.dependencies }).flatMap(([name, range]) => {
      const lowest = semver.validRange(range) ? semver.minVersion(range) : null;
      if (!lowest) return [];
      return [
        {
          ecosystem: 'npm' as const,
          name,
          version: lowest.version,
          file,
          line: lineOf(text, `"${name}"`),
          exact: semver.valid(range) !== null,
        },
      ];
    });
  },
  'package-lock.json': (file, text) => {
    const lock = JSON.parse(text) as { packages?: Record<string, { version?: string }> };
    return Object.entries(lock.packages ?? {}).flatMap(([key, entry]) => {
      const name = key.split('node_modules/').at(-1);
      if (!key || !name || !entry.version || !semver.valid(entry.version)) return [];
      return [
        {
          ecosystem: 'npm' as const,
          name,
          version: entry.version,
          file,
          line: lineOf(text, `"${key}"`),
          exact: true,
        },
      ];
    });
  },
  'requirements.txt': (file, text) =>
    text.split('\n').flatMap((raw, index) => {
      const match = /^\s*([A-Za-z0-9_.-]+)\s*==\s*([0-9][0-9A-Za-z.]*)/.exec(raw);
      const version = match && semver.coerce(match[2])?.version;
      if (!match || !version) return [];
      return [
        {
          ecosystem: 'pypi' as const,
          name: match[1]!.toLowerCase(),
          version,
          file,
          line: index + 1,
          exact: true,
        },
      ];
    }),
  'pom.xml': (file, text) =>
    [...text.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)].flatMap((match) => {
      const body = match[1]!;
      const field = (tag: string) => new RegExp(`<${tag}>\\s*([^<\\s]+)\\s*</${tag}>`).exec(body)?.[1];
      const [group, artifact, raw] = [field('groupId'), field('artifactId'), field('version')];
      const version = raw && semver.coerce(raw)?.version;
      if (!group || !artifact || !version) return [];
      return [
        {
          ecosystem: 'maven' as const,
          name: `${group}:${artifact}`,
          version,
          file,
          line: lineOf(text, match[0]),
          exact: true,
        },
      ];
    }),
};

/** The manifests the audit reads: those in the scope, and those of the directories above it. */
async function manifestFiles(workspace: string, scope: string): Promise<string[]> {
  const inScope = (await scopeFiles(workspace, scope)).filter(
    (file) => path.posix.basename(file) in MANIFESTS,
  );
  const above: string[] = [];
  for (let dir = path.posix.dirname(path.posix.normalize(scope)); ; dir = path.posix.dirname(dir)) {
    for (const name of Object.keys(MANIFESTS)) above.push(dir === '.' ? name : `${dir}/${name}`);
    if (dir === '.' || dir === '/') break;
  }
  const present = await Promise.all(
    above.map(async (f) => ((await readText(workspace, f)) === undefined ? [] : [f])),
  );
  return [...new Set([...inScope, ...present.flat()])].sort();
}

/** The findings for what the manifests declare; a lockfile's exact version wins over a range. */
export function matchAdvisories(
  declared: readonly Declared[],
  advisories: readonly Advisory[],
): SecurityFinding[] {
  const findings = new Map<string, SecurityFinding>();
  // A lockfile's version is what is installed: the range beside it in package.json is not judged.
  const locked = new Set(
    declared.filter((d) => d.exact).map((d) => `${path.posix.dirname(d.file)}|${d.name}`),
  );
  for (const dep of declared) {
    if (!dep.exact && locked.has(`${path.posix.dirname(dep.file)}|${dep.name}`)) continue;
    for (const advisory of advisories) {
      if (advisory.ecosystem !== dep.ecosystem || advisory.package.toLowerCase() !== dep.name.toLowerCase())
        continue;
      if (!semver.satisfies(dep.version, advisory.affected)) continue;
      const key = `${path.posix.dirname(dep.file)}|${dep.name}|${advisory.id}`;
      if (findings.has(key)) continue;
      findings.set(key, {
        severity: advisory.severity,
        category: 'dependency',
        rule: advisory.id,
        file: dep.file,
        ...(dep.line ? { line: dep.line } : {}),
        message: `${dep.name}@${dep.version}${dep.exact ? '' : ' (the lowest version its range allows)'} is affected by ${advisory.id} (${advisory.affected}): ${advisory.summary}; upgrade past the affected range`,
        evidence: `${dep.name}@${dep.version}`,
      });
    }
  }
  return [...findings.values()];
}

export const dependencyAuditAgent = defineAgent({
  name: 'dependency-audit',
  description:
    "Reviews the scope's package.json, package-lock.json, requirements.txt and pom.xml against Baton's local advisory list (data/advisories.json).",
  input: TEMPLATE_AGENT_INPUTS['dependency-audit'],
  output: z.object({
    manifests: z.array(z.string()),
    dependencies: z.number().int(),
    advisories: z.number().int(),
    findings: z.array(SecurityFindingSchema),
  }),
  async run(input, context) {
    const advisories = await loadAdvisories();
    const manifests = await manifestFiles(context.workspace, input.scope);
    const declared: Declared[] = [];
    for (const file of manifests) {
      const text = await readText(context.workspace, file);
      if (text === undefined) continue;
      try {
        declared.push(...MANIFESTS[path.posix.basename(file)]!(file, text));
      } catch (error) {
        context.log('dependency-audit: a manifest could not be read', {
          file,
          error: (error as Error).message,
        });
      }
    }
    return {
      manifests,
      dependencies: declared.length,
      advisories: advisories.length,
      findings: matchAdvisories(declared, advisories),
    };
  },
});
