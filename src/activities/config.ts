import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../shared/duration';
import { CommandAgentConfigSchema } from './agents/command-agent';

/** A configuration problem; the message lists every bad key with its fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export const PROVIDER_KINDS = ['openai', 'anthropic', 'openai-compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const CONFIG_NAMES = ['baton.config.json', 'baton.config.yaml', 'baton.config.yml'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A model setting of this value turns the LLM off (for one agent, or as the default). */
export const NO_MODEL = 'none';

const DurationSchema = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== undefined, { error: `not a duration; ${DURATION_HINT}` });

const HttpUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'must be an http(s) URL, such as http://localhost:11434/v1',
});

const ProviderSchema = z.strictObject({
  kind: z.enum(PROVIDER_KINDS, { error: `must be one of ${PROVIDER_KINDS.join(', ')}` }).optional(),
  baseUrl: HttpUrlSchema.optional(),
  apiKeyEnv: z
    .string()
    .regex(ENV_NAME, {
      error: 'must name the environment variable that holds the key (such as MY_LLM_KEY), not the key itself',
    })
    .optional(),
  /** Send the answer's JSON Schema as `response_format: json_schema`; false sends `json_object`. */
  structuredOutputs: z.boolean().optional(),
  /** Per-request timeout; a request that takes longer fails as retryable. */
  timeout: DurationSchema.optional(),
});

const ModelSchema = z
  .string()
  .trim()
  .min(1, {
    error: `must be "provider:model" (such as openai:gpt-4.1-mini), a model name, or "${NO_MODEL}"`,
  });

// One schema for command agents, owned by the agent that runs them.
export { CommandAgentConfigSchema };
export type CommandAgentConfig = z.infer<typeof CommandAgentConfigSchema>;

const PriceSchema = z.strictObject({
  inputPerMTok: z
    .number()
    .nonnegative({ error: 'must be US dollars per million input tokens (a number ≥ 0)' }),
  outputPerMTok: z
    .number()
    .nonnegative({ error: 'must be US dollars per million output tokens (a number ≥ 0)' }),
});
export type Price = z.infer<typeof PriceSchema>;

const AgentSettingsSchema = z.strictObject({ model: ModelSchema.optional() });

/** The shape of `baton.config.(json|yaml|yml)`. */
export const ConfigFileSchema = z.strictObject({
  $schema: z.string().optional(),
  providers: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*$/, { error: 'provider names are lower-case letters, digits and "-"' }),
      ProviderSchema,
    )
    .optional(),
  defaultModel: ModelSchema.optional(),
  agents: z.record(z.string().min(1), AgentSettingsSchema).optional(),
  commandAgents: z.record(z.string().min(1), CommandAgentConfigSchema).optional(),
  prices: z.record(z.string().min(1), PriceSchema).optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** A provider after the file and env were merged. The key itself is never stored, only where to read it. */
export interface ProviderSettings {
  kind: ProviderKind;
  baseUrl?: string;
  apiKeyEnv: string;
  structuredOutputs?: boolean;
  timeoutMs?: number;
}

/** A model choice and the setting it came from, so errors can say what to change. */
export interface ModelSetting {
  ref: string;
  setting: string;
}

export interface BatonConfig {
  /** The config file that was read, if any. */
  file?: string;
  providers: Record<string, ProviderSettings>;
  defaultModel?: ModelSetting;
  /** Per-agent models from the file, by agent name. */
  agents: Record<string, { model?: ModelSetting }>;
  /** Per-agent models from `BATON_MODEL_<AGENT>` variables, by variable name. */
  agentModelEnv: Record<string, ModelSetting>;
  commandAgents: Record<string, CommandAgentConfig>;
  prices: Record<string, Price>;
}

export interface ResolvedModel {
  provider: string;
  model: string;
  /** Where the choice came from, e.g. `BATON_MODEL_CODEGEN` or `agents.codegen.model in baton.config.yaml`. */
  setting: string;
}

/** Models used when a provider is configured but no model is named; only for the providers' own endpoints. */
const BUILTIN_DEFAULT_MODELS: Partial<Record<ProviderKind, string>> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5',
};

/** `BATON_MODEL_<AGENT>`: the agent name upper-cased, anything but letters and digits as `_`. */
export function agentModelEnvName(agent: string): string {
  return `BATON_MODEL_${agent.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function defaultKeyEnv(provider: string): string {
  return `${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/** True when the provider talks to its vendor's own API (so built-in models and prices apply). */
export function isVendorEndpoint(settings: ProviderSettings): boolean {
  if (settings.kind === 'openai-compatible') return false;
  if (!settings.baseUrl) return true;
  const host = new URL(settings.baseUrl).hostname;
  return host === (settings.kind === 'openai' ? 'api.openai.com' : 'api.anthropic.com');
}

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

const SECRET_KEY = /^(api[-_]?key|key|secret|token|access[-_]?token|password|auth|authorization|bearer)$/i;
const SECRET_VALUE =
  /^(sk-[A-Za-z0-9_-]{12,}|sk-ant-|ghp_|gho_|github_pat_|glpat-|xox[abpr]-|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{20,})/;
const SECRET_ENV_NAME = /(API_?KEY|TOKEN|SECRET|PASSWORD)$/i;

/** `scheme://userinfo@`: a URL that carries a user name, and perhaps a password or token, before its host. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]+)@/gi;
/** A user name alone (`ssh://git@host`) is not a secret; a password or a token-like name is. */
const PLAIN_USER = /^[A-Za-z_][A-Za-z0-9._-]{0,19}$/;

/** The first URL in `text` whose userinfo holds a credential, with that userinfo redacted; or undefined. */
export function credentialUrl(text: string): string | undefined {
  for (const match of text.matchAll(URL_USERINFO)) {
    const userinfo = match[2]!;
    if (userinfo.includes(':') || !PLAIN_USER.test(decodeURIComponentSafe(userinfo))) {
      const start = match.index;
      const end = text.slice(start).search(/\s|$/);
      return text.slice(start, start + end).replace(URL_USERINFO, '$1[redacted]@');
    }
  }
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What to do instead of a credential in a URL at `path` (a config key path or an env var). */
function credentialUrlFix(path: string[]): string {
  const provider = path[0] === 'providers' && path.length === 3 ? path[1] : undefined;
  if (provider) {
    const keyEnv = defaultKeyEnv(provider);
    return `move the credentials to an env var: export the key as ${keyEnv} (or name your variable with providers.${provider}.apiKeyEnv), and keep only scheme, host and path in ${path.join('.')}`;
  }
  if (path[0] === 'commandAgents' && path[2] === 'env' && path[3]) {
    return `move the credentials to an env var: export ${path[3]} on the worker (the command inherits its environment) and remove it here`;
  }
  return 'move the credentials to an env var the worker reads, and keep only scheme, host and path in the URL';
}

/** API keys belong in the environment only: reject anything in the file that looks like one. */
function keyProblems(raw: unknown): Array<{ path: string; problem: string }> {
  const problems: Array<{ path: string; problem: string }> = [];
  const report = (path: string[], problem: string) =>
    problems.push({ path: path.join('.'), problem: `${path.join('.')}: ${problem}` });
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'string') {
      const url = credentialUrl(value);
      if (url) {
        report(path, `holds credentials in a URL (${url}); ${credentialUrlFix(path)}`);
        return;
      }
      if (SECRET_VALUE.test(value.trim())) {
        report(
          path,
          'looks like an API key or token; keys are read from the environment only, so remove it and export it instead',
        );
      }
      return;
    }
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, [...path, String(i)]));
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      // Keys directly under providers/agents/commandAgents/prices are names the user chose, not settings.
      const isName =
        path.length === 1 && ['providers', 'agents', 'commandAgents', 'prices'].includes(path[0]!);
      if (!isName && SECRET_KEY.test(key)) {
        const provider = path[0] === 'providers' && path.length === 2 ? path[1] : undefined;
        const fix = provider
          ? `export the key as ${provider === 'openai' || provider === 'anthropic' ? defaultKeyEnv(provider) : `${defaultKeyEnv(provider)} (or name your variable with providers.${provider}.apiKeyEnv)`}`
          : 'export it as an environment variable';
        report(
          childPath,
          `API keys are read from the environment only, never from the config file; remove it and ${fix}`,
        );
        continue;
      }
      if (
        path.length === 3 &&
        path[0] === 'commandAgents' &&
        path[2] === 'env' &&
        SECRET_ENV_NAME.test(key) &&
        typeof child === 'string' &&
        child !== ''
      ) {
        report(
          childPath,
          `secrets do not belong in the config file; the command inherits the worker's environment, so export ${key} there and remove it here`,
        );
        continue;
      }
      walk(child, childPath);
    }
  };
  walk(raw, []);
  return problems;
}

const ALLOWED_KEYS: Array<[RegExp, readonly string[]]> = [
  [/^$/, Object.keys(ConfigFileSchema.shape)],
  [/^providers\.[^.]+$/, Object.keys(ProviderSchema.shape)],
  [/^agents\.[^.]+$/, Object.keys(AgentSettingsSchema.shape)],
  [/^commandAgents\.[^.]+$/, Object.keys(CommandAgentConfigSchema.shape)],
  [/^prices\.[^.]+$/, Object.keys(PriceSchema.shape)],
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

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Applies the environment over the file: env wins, so one deployment can override a shared file. */
function mergeEnv(file: ConfigFile, env: Env, path: string | undefined, problems: string[]): BatonConfig {
  const inFile = (key: string) => (path ? `${key} in ${basename(path)}` : key);
  const providers: Record<string, ProviderSettings> = {};
  for (const [name, p] of Object.entries(file.providers ?? {})) {
    const kind = p.kind ?? (name === 'openai' || name === 'anthropic' ? name : undefined);
    if (!kind) {
      problems.push(
        `providers.${name}.kind: required for a provider not named openai or anthropic; set kind: openai-compatible (with baseUrl) for Ollama, vLLM or LM Studio`,
      );
      continue;
    }
    if (kind === 'openai-compatible' && !p.baseUrl) {
      problems.push(
        `providers.${name}.baseUrl: required for kind openai-compatible; set the server's API root, such as http://localhost:11434/v1`,
      );
      continue;
    }
    providers[name] = {
      kind,
      apiKeyEnv: p.apiKeyEnv ?? defaultKeyEnv(name),
      ...(p.baseUrl && { baseUrl: p.baseUrl }),
      ...(p.structuredOutputs !== undefined && { structuredOutputs: p.structuredOutputs }),
      ...(p.timeout !== undefined && { timeoutMs: parseDuration(p.timeout) }),
    };
  }
  for (const [kind, urlVar] of [
    ['openai', 'OPENAI_BASE_URL'],
    ['anthropic', 'ANTHROPIC_BASE_URL'],
  ] as const) {
    const baseUrl = nonEmpty(env[urlVar]);
    const withCredentials = baseUrl && credentialUrl(baseUrl);
    if (withCredentials) {
      problems.push(
        `${urlVar}: holds credentials in a URL (${withCredentials}); move the credentials to an env var: export the key as ${defaultKeyEnv(kind)}, and keep only scheme, host and path in ${urlVar}`,
      );
      continue;
    }
    if (baseUrl && !HttpUrlSchema.safeParse(baseUrl).success) {
      problems.push(
        `${urlVar}: "${baseUrl}" is not an http(s) URL; set it to the API root, such as http://localhost:11434/v1`,
      );
      continue;
    }
    const existing = providers[kind];
    if (existing) {
      if (baseUrl) existing.baseUrl = baseUrl;
    } else if (baseUrl || nonEmpty(env[defaultKeyEnv(kind)])) {
      providers[kind] = { kind, apiKeyEnv: defaultKeyEnv(kind), ...(baseUrl && { baseUrl }) };
    }
  }

  const envModel = nonEmpty(env.BATON_MODEL);
  const defaultModel: ModelSetting | undefined = envModel
    ? { ref: envModel, setting: 'BATON_MODEL' }
    : file.defaultModel
      ? { ref: file.defaultModel, setting: inFile('defaultModel') }
      : undefined;
  const agents: BatonConfig['agents'] = {};
  for (const [name, a] of Object.entries(file.agents ?? {})) {
    agents[name] = a.model ? { model: { ref: a.model, setting: inFile(`agents.${name}.model`) } } : {};
  }
  const agentModelEnv: BatonConfig['agentModelEnv'] = {};
  for (const [key, value] of Object.entries(env)) {
    const ref = nonEmpty(value);
    if (key.startsWith('BATON_MODEL_') && ref) agentModelEnv[key] = { ref, setting: key };
  }

  const config: BatonConfig = {
    ...(path && { file: path }),
    providers,
    ...(defaultModel && { defaultModel }),
    agents,
    agentModelEnv,
    commandAgents: file.commandAgents ?? {},
    prices: file.prices ?? {},
  };
  const models = [
    defaultModel,
    ...Object.values(agents).map((a) => a.model),
    ...Object.values(agentModelEnv),
  ];
  for (const m of models) {
    if (!m || m.ref === NO_MODEL) continue;
    const parsed = parseModelRef(m.ref, providers);
    if ('problem' in parsed) problems.push(`${m.setting}: ${parsed.problem}`);
  }
  const names = Object.keys(providers);
  const anyModel = models.some((m) => m && m.ref !== NO_MODEL);
  if (names.length > 0 && !anyModel && !names.some((n) => builtinDefaultModel(providers[n]!))) {
    problems.push(
      `BATON_MODEL: no model is set for provider ${names.join(', ')}; set BATON_MODEL (such as BATON_MODEL=llama3.1) or defaultModel in baton.config`,
    );
  }
  return config;
}

function builtinDefaultModel(settings: ProviderSettings): string | undefined {
  return isVendorEndpoint(settings) ? BUILTIN_DEFAULT_MODELS[settings.kind] : undefined;
}

/**
 * Splits `provider:model`. A bare model name (or one whose prefix is not a provider, such as
 * Ollama's `llama3.1:8b`) belongs to the only configured provider.
 */
export function parseModelRef(
  ref: string,
  providers: Record<string, ProviderSettings>,
): { provider: string; model: string } | { problem: string } {
  const names = Object.keys(providers);
  const colon = ref.indexOf(':');
  const prefix = colon > 0 ? ref.slice(0, colon) : undefined;
  if (prefix && providers[prefix]) {
    const model = ref.slice(colon + 1).trim();
    return model ? { provider: prefix, model } : { problem: `"${ref}" names no model after "${prefix}:"` };
  }
  if (names.length === 1) return { provider: names[0]!, model: ref };
  if (names.length === 0) {
    return {
      problem: `"${ref}" needs an LLM provider, and none is configured; set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENAI_BASE_URL, or add providers to baton.config`,
    };
  }
  const which = prefix
    ? `provider "${prefix}" is not configured`
    : `"${ref}" does not say which provider to use`;
  return { problem: `${which}; write it as provider:model with one of: ${names.join(', ')}` };
}

/**
 * The model an agent uses: `BATON_MODEL_<AGENT>`, then `agents.<name>.model`, then the default
 * model, then the built-in default of the vendor's provider. `undefined` means no LLM: the agent
 * falls back to its deterministic behaviour.
 */
export function resolveModel(config: BatonConfig, agentName: string): ResolvedModel | undefined {
  const chosen =
    config.agentModelEnv[agentModelEnvName(agentName)] ??
    config.agents[agentName]?.model ??
    config.defaultModel;
  if (chosen) {
    if (chosen.ref === NO_MODEL) return undefined;
    const parsed = parseModelRef(chosen.ref, config.providers);
    return 'problem' in parsed ? undefined : { ...parsed, setting: chosen.setting };
  }
  for (const [provider, settings] of Object.entries(config.providers)) {
    const model = builtinDefaultModel(settings);
    if (model)
      return { provider, model, setting: `BATON_MODEL (unset, so ${provider}'s default ${model} is used)` };
  }
  return undefined;
}

/** Secrets that must never appear in errors or logs: provider keys, and any `*_KEY`/`*_TOKEN`-like variable. */
export function secretsIn(config: BatonConfig | undefined, env: Env = process.env): string[] {
  const names = new Set([
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    ...Object.values(config?.providers ?? {}).map((p) => p.apiKeyEnv),
  ]);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    // Named key variables are always secret; other secret-looking names only when long enough to matter.
    if (
      value &&
      ((names.has(name) && value.length >= 4) || (SECRET_ENV_NAME.test(name) && value.length >= 8))
    ) {
      values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every configured API key (and other secret-looking variable) in `text` with `[redacted]`,
 * and the userinfo of every URL (`http://user:sk-secret@host` → `http://[redacted]@host`).
 */
export function redact(text: string, config?: BatonConfig, env: Env = process.env): string {
  let out = text;
  for (const secret of secretsIn(config, env)) out = out.split(secret).join('[redacted]');
  return out.replace(URL_USERINFO, '$1[redacted]@');
}
