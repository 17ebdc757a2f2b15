/**
 * The `slack` sink: the event as a Slack incoming-webhook message. `text` is the one line a
 * notification shows; `blocks` carry the run, the gate (kind, phase, age, deadline, approvers,
 * context) and the exact commands that decide it, and the event id for whoever dedupes.
 */
import type { NotificationSink } from '../../config/notifications';
import { formatDuration } from '../../shared/duration';
import type { NotificationEvent, NotificationEventName } from '../../shared/notifications';
import { gateCommands } from './gate-commands';
import { postJson, urlLabel } from './http';
import type { SinkContext } from './sink-context';

/** Slack's limits: a header's text, a section's text, a field's text, fields per section. */
const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;
const FIELD_CHARS = 2000;
const CONTEXT_CHARS = 2500;

const HEADLINES: Record<NotificationEventName, { icon: string; title: string }> = {
  'gate.opened': { icon: ':raised_hand:', title: 'Gate open' },
  'gate.reminder': { icon: ':alarm_clock:', title: 'Reminder: gate still open' },
  'gate.escalated': { icon: ':rotating_light:', title: 'Gate escalated' },
  'budget.gate': { icon: ':money_with_wings:', title: 'Budget gate' },
  'conflict.human': { icon: ':twisted_rightwards_arrows:', title: 'Merge conflict needs a person' },
  'run.completed': { icon: ':white_check_mark:', title: 'Run completed' },
  'run.failed': { icon: ':x:', title: 'Run did not complete' },
};

/** Slack reads `&`, `<` and `>` as markup in mrkdwn and plain text alike. */
const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const code = (text: string): string => `\`${escape(text).replace(/`/g, "'")}\``;

type Block = Record<string, unknown>;
const section = (text: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: cut(text, SECTION_CHARS) },
});
const fields = (pairs: [string, string | undefined][]): Block | undefined => {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '').slice(0, 10);
  return shown.length
    ? {
        type: 'section',
        fields: shown.map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${v}`, FIELD_CHARS) })),
      }
    : undefined;
};

function when(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso) - now;
  return `${escape(iso)} (${ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`})`;
}

function gateBlocks(event: NotificationEvent, now: number): Block[] {
  const gate = event.gate!;
  const commands = gateCommands(gate.kind, event.workflowId, gate.phase);
  const [first, ...rest] = commands;
  const blocks = [
    fields([
      ['Gate', `${escape(gate.title)} (${code(gate.id)}, ${escape(gate.kind)})`],
      ['Phase', code(gate.phase)],
      ['Open for', formatDuration(Math.max(0, now - Date.parse(gate.openedAt)))],
      ['Deadline', when(gate.deadline, now)],
      ['Approvers', gate.approvers?.length ? escape(gate.approvers.join(', ')) : undefined],
      ['Reminder', event.reminder ? `#${event.reminder}` : undefined],
      ['Told', event.to?.length ? escape(event.to.join(', ')) : undefined],
    ]),
    gate.instructions ? section(escape(gate.instructions)) : undefined,
    gate.context ? section(`*Context*\n\`\`\`${escape(cut(gate.context, CONTEXT_CHARS))}\`\`\``) : undefined,
    first
      ? section(
          [
            `*To ${first.does}:*\n\`\`\`${escape(first.line)}\`\`\``,
            ...rest.map((c) => `To ${c.does}: ${code(c.line)}`),
          ].join('\n'),
        )
      : undefined,
  ];
  return blocks.filter((b): b is Block => b !== undefined);
}

function runBlocks(event: NotificationEvent): Block[] {
  const run = event.run!;
  const took = run.endedAt ? Date.parse(run.endedAt) - Date.parse(run.startedAt) : undefined;
  const usage = run.usage;
  const block = fields([
    ['State', escape(run.state)],
    ['Progress', `${run.progress.done}/${run.progress.total} phases (${run.progress.percent}%)`],
    ['Took', took !== undefined && took >= 0 ? formatDuration(took) : undefined],
    [
      'Usage',
      usage
        ? `${usage.inputTokens} in + ${usage.outputTokens} out tokens, $${usage.costUsd.toFixed(4)}`
        : undefined,
    ],
    ['Reason', run.reason ? escape(run.reason) : undefined],
  ]);
  return block ? [block] : [];
}

/** The message Slack gets for this event; `now` places the gate's age and deadline. */
export function slackMessage(event: NotificationEvent, now = Date.now()): { text: string; blocks: Block[] } {
  const { icon, title } = HEADLINES[event.event];
  const subject = event.gate ? event.gate.title : event.workflowId;
  const approve = event.gate
    ? gateCommands(event.gate.kind, event.workflowId, event.gate.phase)[0]
    : undefined;
  const text = escape(`${title}: ${event.message}${approve ? ` — to ${approve.does}: ${approve.line}` : ''}`);
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: cut(`${title}: ${subject}`, HEADER_CHARS), emoji: true },
    },
    section(`${icon} ${escape(event.message)}`),
    fields([
      ['Run', code(event.workflowId)],
      ['Template', escape(event.template)],
    ])!,
    ...(event.gate ? gateBlocks(event, now) : []),
    ...(event.run ? runBlocks(event) : []),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${escape(event.event)} · ${escape(event.at)} · eventId ${code(event.eventId)}`,
        },
      ],
    },
  ];
  return { text: cut(text, SECTION_CHARS), blocks };
}

export async function deliverSlack(
  sink: NotificationSink,
  event: NotificationEvent,
  { signal }: SinkContext,
): Promise<void> {
  const url = sink.url!;
  await postJson(urlLabel('slack', url), url, JSON.stringify(slackMessage(event)), {}, signal);
}
