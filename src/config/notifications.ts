/**
 * `notifications:` in baton.config (issue 11): where a run's events go. Each sink filters by
 * event, template and run; the worker hands the filters to each run at its start. The file's list
 * is checked sink by sink here (not by the file schema) so every problem names its place the way
 * a person reads it, `notifications[2].url`, with the value and the fix.
 */
import { z } from 'zod';
import {
  NOTIFICATION_EVENTS,
  SINK_KINDS,
  type NotificationEventName,
  type NotificationFilter,
} from '../shared/notifications';
import { ConfigError } from './errors';
import type { Env } from './schema';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** An HMAC key shorter than this is guessable; the worker refuses to start with one. */
export const MIN_SECRET_LENGTH = 16;
/** What `notify.webhook` / `BATON_NOTIFY_WEBHOOK` (the short form, issue 10) subscribes to. */
export const SHORT_FORM_EVENTS: readonly NotificationEventName[] = ['gate.reminder', 'gate.escalated'];

const EVENTS_HINT = `valid events: ${NOTIFICATION_EVENTS.join(', ')}`;

export const NotificationSinkSchema = z.strictObject({
  kind: z.enum(SINK_KINDS, { error: `kind is one of ${SINK_KINDS.join(', ')}` }),
  /** `webhook` and `slack`: where to POST. */
  url: z
    .url({ protocol: /^https?$/, error: 'url is an http(s) URL such as https://hooks.slack.com/services/…' })
    .optional(),
  /** `command`: the program and its arguments; it reads the event's JSON on stdin. */
  command: z
    .array(z.string().min(1, { error: 'an empty argument; remove it' }), {
      error: 'command is a list: the program, then its arguments, such as [/usr/local/bin/notify, --to, ops]',
    })
    .min(1, { error: 'command needs at least the program, such as [/usr/local/bin/notify]' })
    .optional(),
  events: z
    .array(z.enum(NOTIFICATION_EVENTS, { error: `not an event; ${EVENTS_HINT}` }))
    .min(1, {
      error: `an empty list would send nothing; leave events out for all, or name some (${EVENTS_HINT})`,
    })
    .optional(),
  templates: z
    .array(z.string().min(1))
    .min(1, { error: 'leave templates out for all, or name some' })
    .optional(),
  runs: z
    .array(z.string().min(1))
    .min(1, { error: 'leave runs out for all, or name some workflow ids' })
    .optional(),
  /** `webhook`: the environment variable holding the HMAC secret for the signature header. */
  secretEnv: z
    .string()
    .regex(ENV_NAME, {
      error: 'secretEnv names an environment variable such as BATON_WEBHOOK_SECRET, not the secret itself',
    })
    .optional(),
});
export type NotificationSink = z.infer<typeof NotificationSinkSchema>;

/** The file keeps the list as written; `notificationSinks` checks each entry. */
export const NotificationsSchema = z
  .array(z.unknown(), { error: 'notifications is a list of sinks, such as [{kind: slack, url: https://…}]' })
  .max(50, { error: 'at most 50 sinks' });

const KIND_FIELDS = {
  webhook: { needs: 'url', refuses: ['command'] },
  slack: { needs: 'url', refuses: ['command', 'secretEnv'] },
  command: { needs: 'command', refuses: ['url', 'secretEnv'] },
} as const satisfies Record<
  (typeof SINK_KINDS)[number],
  { needs: keyof NotificationSink; refuses: readonly (keyof NotificationSink)[] }
>;

const WHY_REFUSED: Record<string, string> = {
  url: 'a command sink runs a program; use kind: webhook to POST to a URL',
  command: 'only a command sink runs a program; use kind: command for it, or drop command',
  secretEnv: 'only a webhook is signed (Slack checks its own URL); drop secretEnv',
};

const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const valueAt = (raw: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (v, key) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    raw,
  );

/** `notifications[2].events[0]`: the path as a person reads it. */
const pathOf = (index: number, path: readonly PropertyKey[]): string =>
  `notifications[${index}]${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;

/** One sink as written, checked: the sink, or the problems with it (each naming its path and fix). */
function checkSink(raw: unknown, index: number): { sink?: NotificationSink; problems: string[] } {
  const parsed = NotificationSinkSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map(
          (key) =>
            `${pathOf(index, [...issue.path, key])}: unknown setting; allowed: ${Object.keys(NotificationSinkSchema.shape).join(', ')}`,
        );
      const value = valueAt(raw, issue.path);
      const got = value === undefined ? '' : ` (got ${shown(value)})`;
      return [`${pathOf(index, issue.path)}: ${issue.message}${got}`];
    });
    return { problems };
  }
  const sink = parsed.data;
  const rules = KIND_FIELDS[sink.kind];
  const problems: string[] = [];
  if (sink[rules.needs] === undefined)
    problems.push(
      rules.needs === 'url'
        ? `${pathOf(index, ['url'])}: a ${sink.kind} sink needs url${sink.kind === 'slack' ? ', the incoming-webhook URL Slack gave you (https://hooks.slack.com/services/…)' : ', where to POST the event'}`
        : `${pathOf(index, ['command'])}: a command sink needs command, the program and its arguments, such as [/usr/local/bin/notify]`,
    );
  for (const field of rules.refuses)
    if (sink[field] !== undefined)
      problems.push(
        `${pathOf(index, [field])}: not allowed on a ${sink.kind} sink (got ${shown(sink[field])}); ${WHY_REFUSED[field]}`,
      );
  return problems.length ? { problems } : { sink, problems };
}

/** The short form (`notify.webhook`, issue 10): a webhook that gets the reminders and escalations. */
export function shortFormSink(url: string): NotificationSink {
  return { kind: 'webhook', url, events: [...SHORT_FORM_EVENTS] };
}

const isHttpUrl = (value: string) => z.url({ protocol: /^https?$/ }).safeParse(value).success;

/**
 * The worker's sinks: the file's `notifications` (each checked), then the short form
 * (`notify.webhook`, or `BATON_NOTIFY_WEBHOOK` over it), then `BATON_NOTIFY_SLACK` (a Slack sink
 * for every event, for a quick try). Problems go to `problems`, one line each.
 */
export function notificationSinks(
  file: { notifications?: unknown[]; notify?: { webhook?: string } },
  env: Env,
  problems: string[],
): NotificationSink[] {
  const sinks: NotificationSink[] = [];
  (file.notifications ?? []).forEach((raw, i) => {
    const checked = checkSink(raw, i);
    if (checked.sink) sinks.push(checked.sink);
    problems.push(...checked.problems);
  });
  for (const [name, kind, fallback] of [
    ['BATON_NOTIFY_WEBHOOK', 'webhook', file.notify?.webhook],
    ['BATON_NOTIFY_SLACK', 'slack', undefined],
  ] as const) {
    const fromEnv = env[name]?.trim() || undefined;
    const url = fromEnv ?? fallback;
    if (!url) continue;
    if (!isHttpUrl(url)) {
      problems.push(
        `${name}: ${shown(url)} is not an http(s) URL; set it to the ${kind === 'slack' ? 'Slack incoming-webhook URL' : "webhook's URL"} or unset it`,
      );
      continue;
    }
    sinks.push(kind === 'slack' ? { kind, url } : shortFormSink(url));
  }
  return sinks;
}

/** What a run needs to know of the sinks: their filters only (no URL or secret enters history). */
export function notificationFilters(sinks: readonly NotificationSink[]): NotificationFilter[] {
  return sinks.map(({ events, templates, runs }) => ({
    ...(events && { events }),
    ...(templates && { templates }),
    ...(runs && { runs }),
  }));
}

/** Each signed webhook whose secret the worker cannot sign with: unset, or too short to be safe. */
export function notificationSecretProblems(sinks: readonly NotificationSink[], env: Env): string[] {
  return sinks.flatMap((sink, i) => {
    if (!sink.secretEnv) return [];
    const value = env[sink.secretEnv];
    const at = `notifications[${i}].secretEnv`;
    if (value === undefined || value === '')
      return [
        `${at}: ${sink.secretEnv} is not set in the worker's environment; export it (at least ${MIN_SECRET_LENGTH} characters, such as \`openssl rand -hex 32\`) before starting the worker`,
      ];
    if (value.length < MIN_SECRET_LENGTH)
      return [
        `${at}: ${sink.secretEnv} holds ${value.length} characters, fewer than ${MIN_SECRET_LENGTH}; use a longer secret, such as \`openssl rand -hex 32\``,
      ];
    return [];
  });
}

/** Throws a ConfigError listing every unusable webhook secret, so a worker never sends unsigned what should be signed. */
export function checkNotificationSecrets(sinks: readonly NotificationSink[], env: Env, file?: string): void {
  const problems = notificationSecretProblems(sinks, env);
  if (problems.length === 0) return;
  const where = file ? ` (${file})` : '';
  throw new ConfigError(
    `The worker's notification secrets are not usable${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}
