/** The shape of `baton.config.(json|yaml|yml)`, and of the configuration once the environment is merged in. */
import { z } from 'zod';
import { DurationSchema as SharedDurationSchema } from '../shared/definition';
import { DURATION_HINT, parseDuration } from '../shared/duration';
import { type Specialist, SPECIALIST_NAME, SpecialistEntrySchema } from './specialists';
import { PRINCIPAL, RolesSchema, type Roles } from '../shared/governance';
import { NotificationsSchema, type NotificationSink } from './notifications';
import { GithubConfigSchema, type GithubConfig } from './github';
import { ServerConfigSchema, type ServerConfig } from './server';

export type Env = Record<string, string | undefined>;

const PROVIDER_KINDS = ['openai', 'anthropic', 'openai-compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A model setting of this value turns the LLM off (for one agent, or as the default). */
export const NO_MODEL = 'none';

const DurationSchema = SharedDurationSchema.refine((v) => parseDuration(v) !== undefined, {
  error: `not a duration; ${DURATION_HINT}`,
});

export const HttpUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'must be an http(s) URL, such as http://localhost:11434/v1',
});

export const ProviderSchema = z.strictObject({
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

/**
 * One command agent as `baton.config.yaml` holds it under `commandAgents.<name>`. It lives with the
 * config (not with the agent that runs it) so the client reads a config without the activities.
 */
export const CommandAgentConfigSchema = z
  .object({
    description: z.string().optional(),
    /** The program, looked up on the worker's PATH, or an absolute path. Not templated, never a shell. */
    command: z.string().min(1),
    /** Each arg is templated: `{{input.key}}`, `{{prompt}}`, `{{workspace}}`, `{{phase}}`, `{{attempt}}`. */
    args: z.array(z.string()).default([]),
    /** Prompt template; a `prompt` in the phase input replaces it (used verbatim). */
    prompt: z.string().optional(),
    timeout: DurationSchema.default('30m'),
    /** Extra environment variables (values templated) on top of the worker's environment. */
    env: z.record(z.string(), z.string()).default({}),
    /** Bytes of stdout plus stderr kept in the result (head and tail); the rest is only in the log artifact. */
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024),
    /** `prompt` writes the rendered prompt to the command's stdin; `none` gives it an empty stdin. */
    stdin: z.enum(['prompt', 'none']).default('none'),
    /** When true (default) a non-zero exit fails the phase as `Agent.CommandFailed`; else it is the result. */
    failOnNonZero: z.boolean().default(true),
  })
  .strict();
/** A command agent as written in the config (defaults not yet applied). */
export type CommandAgentConfig = z.input<typeof CommandAgentConfigSchema>;

export const PriceSchema = z.strictObject({
  inputPerMTok: z
    .number()
    .nonnegative({ error: 'must be US dollars per million input tokens (a number ≥ 0)' }),
  outputPerMTok: z
    .number()
    .nonnegative({ error: 'must be US dollars per million output tokens (a number ≥ 0)' }),
});
type Price = z.infer<typeof PriceSchema>;

/** One HMAC key of a user: its id (named by `keyId`), the variable holding it, when it stops being valid. */
export const DecisionKeySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'key ids are 1-64 letters, digits, ".", "_" or "-"' }),
  env: z.string().regex(ENV_NAME, {
    error:
      'must name the environment variable that holds the key (such as ALICE_DECISION_KEY), not the key itself',
  }),
  /** ISO 8601; a decision signed with the key after this is refused. */
  expires: z.iso
    .datetime({ offset: true, error: 'expires is an ISO 8601 time such as 2027-01-01T00:00:00Z' })
    .optional(),
});
export type DecisionKey = z.infer<typeof DecisionKeySchema>;

export const SecuritySchema = z.strictObject({
  /** Decisions must carry a valid HMAC `sig` (docs/signing.md); unsigned ones are ignored. */
  signedDecisions: z.boolean().optional(),
  /** Per-user keys; a user may have several (rotation). `BATON_DECISION_KEY` is the shared key, id `shared`. */
  decisionKeys: z
    .record(
      z.string().regex(PRINCIPAL, { error: 'user names are letters, digits and . _ @ + -' }),
      z.array(DecisionKeySchema).min(1).max(10),
    )
    .optional(),
});

export const AgentSettingsSchema = z.strictObject({ model: ModelSchema.optional() });

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
  /** Gate approvers' roles: role name → users (issue 10). The worker reads it; runs record its digest. */
  roles: RolesSchema.optional(),
  security: SecuritySchema.optional(),
  /** The short form of a webhook sink for gate reminders and escalations (docs/notifications.md). */
  notify: z.strictObject({ webhook: HttpUrlSchema.optional() }).optional(),
  /** Where run events go: webhook, Slack and command sinks (issue 11, docs/notifications.md). */
  notifications: NotificationsSchema.optional(),
  /** The GitHub webhook receiver: secret and triggers (issue 11, docs/github.md). */
  github: GithubConfigSchema.optional(),
  /** `baton serve`'s users and their hashed tokens (issue 13, docs/server.md). */
  server: ServerConfigSchema.optional(),
  /** Seed 000's agent_specializations, merged over the built-in specialists. */
  specialists: z
    .record(
      z.string().regex(SPECIALIST_NAME, { error: 'specialist names are lower-case letters, digits and "-"' }),
      SpecialistEntrySchema,
    )
    .optional(),
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
  /** The specialists (built-ins with the file's entries merged over); absent means the built-ins. */
  specialists?: Record<string, Specialist>;
  /** Approver roles (`roles` in the file); empty without one. */
  roles?: Roles;
  security?: { signedDecisions: boolean; decisionKeys: Record<string, DecisionKey[]> };
  /** `notify.webhook`, or `BATON_NOTIFY_WEBHOOK` over it. */
  notify?: { webhook?: string };
  /** The notification sinks: the file's, then `notify.webhook` / `BATON_NOTIFY_WEBHOOK` and `BATON_NOTIFY_SLACK`; empty without any. */
  notifications?: NotificationSink[];
  /** `github` in the file: the webhook receiver's secret variable and triggers. */
  github?: GithubConfig;
  /** `server` in the file: `baton serve`'s users (hashed tokens) and `publicRead`. */
  server?: ServerConfig;
}

export interface ResolvedModel {
  provider: string;
  model: string;
  /** Where the choice came from, e.g. `BATON_MODEL_CODEGEN` or `agents.codegen.model in baton.config.yaml`. */
  setting: string;
}
