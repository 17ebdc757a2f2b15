/** How the environment (API keys, base URLs, BATON_MODEL*) is merged over the config file. */
import { basename } from 'node:path';
import { parseDuration } from '../shared/duration';
import { builtinDefaultModel, defaultKeyEnv, parseModelRef } from './models';
import {
  type BatonConfig,
  type ConfigFile,
  type Env,
  HttpUrlSchema,
  type ModelSetting,
  NO_MODEL,
  type ProviderSettings,
} from './schema';
import { credentialUrl } from './secrets';
import { BUILTIN_AGENTS } from '../shared/agent-inputs';
import { mergeSpecialists } from './specialists';
import { notificationSinks } from './notifications';

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Applies the environment over the file: env wins, so one deployment can override a shared file. */
export function mergeEnv(
  file: ConfigFile,
  env: Env,
  path: string | undefined,
  problems: string[],
): BatonConfig {
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
    specialists: mergeSpecialists(file.specialists, problems, {
      where: inFile,
      agents: [...BUILTIN_AGENTS, 'llm', ...Object.keys(file.commandAgents ?? {})],
    }),
    roles: file.roles ?? {},
    security: {
      signedDecisions: file.security?.signedDecisions ?? false,
      decisionKeys: file.security?.decisionKeys ?? {},
    },
    notifications: notificationSinks(file, env, problems),
    ...(file.github ? { github: file.github } : {}),
    ...(file.server ? { server: file.server } : {}),
    notify: {
      ...file.notify,
      ...(nonEmpty(env.BATON_NOTIFY_WEBHOOK) ? { webhook: nonEmpty(env.BATON_NOTIFY_WEBHOOK) } : {}),
    },
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
