/**
 * This machine's Baton configuration: providers, models, prices and command agents, from
 * `baton.config.*` and the environment. Both the client and the workers read it.
 */
export { agentCatalog } from './agents';
export { ConfigError } from './errors';
export { batonHome } from './home';
export { type LoadConfigOptions, loadConfig } from './load';
export { agentModelEnvName, isVendorEndpoint, resolveModel } from './models';
export type {
  BatonConfig,
  CommandAgentConfig,
  Env,
  ProviderKind,
  ProviderSettings,
  ResolvedModel,
} from './schema';
export { CommandAgentConfigSchema } from './schema';
export { redact } from './secrets';
export { DEFAULT_SPECIALISTS, type Specialist, type SpecialistLimits, specialistsOf } from './specialists';
