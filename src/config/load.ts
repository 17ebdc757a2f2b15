import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors';
import { mergeEnv, nonEmpty } from './merge-env';
import {
  AgentSettingsSchema,
  type BatonConfig,
  CommandAgentConfigSchema,
  ConfigFileSchema,
  type Env,
  PriceSchema,
  ProviderSchema,
  DecisionKeySchema,
  SecuritySchema,
} from './schema';
import { SpecialistLimitsSchema, SpecialistSchema } from './specialists';
import { keyProblems } from './secrets';
import { ServerConfigSchema, ServerUserSchema } from './server';

const CONFIG_NAMES = ['baton.config.json', 'baton.config.yaml', 'baton.config.yml'] as const;

export interface LoadConfigOptions {
  /** An explicit config file; otherwise `BATON_CONFIG`, otherwise `baton.config.*` in `cwd`. */
  path?: string;
  env?: Env;
  cwd?: string;
}

/** Reads the config file (if any), validates it and merges the environment over it. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<BatonConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = await findConfigFile(options.path, env, cwd);
  const raw = file ? await readConfigFile(file) : {};
  const secrets = keyProblems(raw);
  const problems = secrets.map((s) => s.problem);
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) {
    // A key-looking field is already reported with its fix; don't also call it an unknown setting.
    const reported = new Set(secrets.map((s) => s.path));
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, reported)));
  }
  if (!parsed.success || problems.length > 0) throw configError(file, problems);
  const config = mergeEnv(parsed.data, env, file, problems);
  if (problems.length > 0) throw configError(file, problems);
  return config;
}

async function findConfigFile(
  explicit: string | undefined,
  env: Env,
  cwd: string,
): Promise<string | undefined> {
  const named = explicit ?? nonEmpty(env.BATON_CONFIG);
  if (named) {
    const path = resolve(cwd, named);
    if (!(await isFile(path))) {
      const from = explicit ? 'the config path' : 'BATON_CONFIG';
      throw new ConfigError(`${from} names ${path}, which does not exist; fix the path or unset it`);
    }
    return path;
  }
  const found: string[] = [];
  for (const name of CONFIG_NAMES) if (await isFile(resolve(cwd, name))) found.push(resolve(cwd, name));
  if (found.length > 1)
    throw new ConfigError(`Found ${found.map((f) => basename(f)).join(' and ')} in ${cwd}; keep one of them`);
  return found[0];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readConfigFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    const value: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    return value ?? {};
  } catch (error) {
    throw new ConfigError(
      `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function configError(file: string | undefined, problems: string[]): ConfigError {
  const head = file ? `${file} is invalid` : 'The Baton configuration is invalid';
  return new ConfigError(`${head}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

const ALLOWED_KEYS: Array<[RegExp, readonly string[]]> = [
  [/^$/, Object.keys(ConfigFileSchema.shape)],
  [/^providers\.[^.]+$/, Object.keys(ProviderSchema.shape)],
  [/^agents\.[^.]+$/, Object.keys(AgentSettingsSchema.shape)],
  [/^commandAgents\.[^.]+$/, Object.keys(CommandAgentConfigSchema.shape)],
  [/^prices\.[^.]+$/, Object.keys(PriceSchema.shape)],
  [/^specialists\.[^.]+$/, Object.keys(SpecialistSchema.shape)],
  [/^specialists\.[^.]+\.limits$/, Object.keys(SpecialistLimitsSchema.shape)],
  [/^security$/, Object.keys(SecuritySchema.shape)],
  [/^security\.decisionKeys\.[^.]+\.\d+$/, Object.keys(DecisionKeySchema.shape)],
  [/^server$/, Object.keys(ServerConfigSchema.shape)],
  [/^server\.users\.[^.]+$/, Object.keys(ServerUserSchema.shape)],
];

function describeIssue(issue: z.core.$ZodIssue, reported: Set<string>): string[] {
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const allowed = ALLOWED_KEYS.find(([re]) => re.test(at))?.[1];
    return issue.keys
      .map((key) => (at ? `${at}.${key}` : key))
      .filter((path) => !reported.has(path))
      .map((path) => `${path}: unknown setting${allowed ? `; allowed here: ${allowed.join(', ')}` : ''}`);
  }
  // A bad record key: zod reports "Invalid key in record"; the key schema's own message says why.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return [`${at || '(root)'}: ${message}`];
}
