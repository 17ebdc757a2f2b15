/**
 * `github:` in baton.config (issue 11): the webhook receiver's secret and which events start which
 * template. Without `triggers`, an issue labeled `baton` starts `issue-analysis` and an opened pull
 * request starts `pr-review`.
 */
import { z } from 'zod';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** `<event>.<action>` as GitHub names them in `X-GitHub-Event` and the payload's `action`. */
const EVENT = /^[a-z_]+\.[a-z_]+$/;

export const GithubTriggerSchema = z.strictObject({
  event: z.string().regex(EVENT, { error: 'event is "<event>.<action>", such as issues.labeled or pull_request.opened' }),
  /** `issues.labeled` / `pull_request.labeled`: only this label. */
  label: z.string().min(1).optional(),
  template: z.string().min(1),
  /** Each value is templated from the payload: `{{issue.title}}`, `{{repository.full_name}}`. */
  params: z.record(z.string(), z.string()).optional(),
  autoApprove: z.boolean().optional(),
});
export type GithubTrigger = z.infer<typeof GithubTriggerSchema>;

export const GithubConfigSchema = z.strictObject({
  secretEnv: z
    .string()
    .regex(ENV_NAME, { error: 'secretEnv is an environment variable name such as BATON_GITHUB_WEBHOOK_SECRET' })
    .optional(),
  triggers: z.array(GithubTriggerSchema).max(50).optional(),
});
export type GithubConfig = z.infer<typeof GithubConfigSchema>;

export const DEFAULT_SECRET_ENV = 'BATON_GITHUB_WEBHOOK_SECRET';

export const DEFAULT_TRIGGERS: readonly GithubTrigger[] = [
  {
    event: 'issues.labeled',
    label: 'baton',
    template: 'issue-analysis',
    params: {
      title: '{{issue.title}}',
      body: '{{issue.body}}',
      url: '{{issue.html_url}}',
      number: '{{issue.number}}',
      repository: '{{repository.full_name}}',
    },
  },
  {
    event: 'pull_request.opened',
    template: 'pr-review',
    params: {
      title: '{{pull_request.title}}',
      body: '{{pull_request.body}}',
      url: '{{pull_request.html_url}}',
      number: '{{pull_request.number}}',
      repository: '{{repository.full_name}}',
    },
  },
];

/** The settings with their defaults filled in. */
export function githubSettings(config: GithubConfig | undefined): Required<GithubConfig> {
  return {
    secretEnv: config?.secretEnv ?? DEFAULT_SECRET_ENV,
    triggers: config?.triggers ?? [...DEFAULT_TRIGGERS],
  };
}
