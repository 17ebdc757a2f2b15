import type { Command } from 'commander';
import { escapeControlChars } from '../../shared/limits';
import type { RunStatus } from '../../shared/status';
import { batonCommand } from '../errors';
import { connect, type Baton } from '../connect';
import { buildMessage, sendMessage } from '../messages';
import { checkTemplateName, saveTemplate, startHint } from '../template-save';
import { print } from './support';
import { safe } from './text';

/** Runs `fn` with a connection, closed afterwards. */
async function withBaton<T>(fn: (baton: Baton) => Promise<T>): Promise<T> {
  const baton = await connect();
  try {
    return await fn(baton);
  } finally {
    await baton.close();
  }
}

/** `send` (messaging between runs) and `template save` (docs/messaging.md). */
export function addMessageCommands(program: Command): void {
  program
    .command('send')
    .description("send a message to a running run's mailbox (a waitFor phase takes it)")
    .argument('<run>', 'workflow id of the receiving run')
    .argument('<channel>', 'the channel, e.g. review-done (letters, digits, ".", "_", "-")')
    .argument('<json>', 'the payload, any JSON value, e.g. \'{"approved": true}\'')
    .option('--id <id>', 'message id; sending the same id again is delivered once (default: random)')
    .option('--json', 'machine-readable output')
    .action(async (run: string, channel: string, json: string, opts: { id?: string; json?: boolean }) => {
      // Checked before connecting: a bad payload or channel needs no server to be refused.
      buildMessage({ run, channel, json, ...(opts.id ? { id: opts.id } : {}) });
      const sent = await withBaton((baton) =>
        sendMessage(baton, { run, channel, json, ...(opts.id ? { id: opts.id } : {}) }),
      );
      print(opts.json, sent, () => escapeControlChars(sent.id));
    });

  program
    .command('template')
    .description('manage templates')
    .command('save')
    .description("save a run's definition as a template, with the params it started with as defaults")
    .argument('<run>', 'workflow id of the run')
    .argument('<name>', 'template name, kebab-case (the file is <dir>/<name>.yaml)')
    .option('--dir <dir>', 'directory to write to (default: the templates directory `baton start` reads)')
    .option('--force', 'overwrite an existing template file')
    .option('--json', 'machine-readable output')
    .action(async (run: string, name: string, opts: { dir?: string; force?: boolean; json?: boolean }) => {
      checkTemplateName(name);
      const saved = await withBaton((baton) =>
        saveTemplate(baton, {
          run,
          name,
          ...(opts.dir ? { dir: opts.dir } : {}),
          force: Boolean(opts.force),
        }),
      );
      print(opts.json, saved, () =>
        [
          `Saved template "${saved.name}" to ${saved.path}`,
          ...Object.entries(saved.defaults).map(([k, v]) => `  param ${k}: default ${JSON.stringify(v)}`),
          `Start it: ${startHint(saved.name, opts.dir)}`,
        ].join('\n'),
      );
    });
}

/** The messages shown in `baton status`, the latest of each list. */
const SHOWN = 10;

/** `baton status` lines for messaging: phases waiting on a channel, messages received, emitted, dropped. */
export function messagingLines(status: RunStatus, run: string): string[] {
  const out: string[] = [];
  for (const phase of status.phases) {
    const waiting = phase.waitingFor;
    if (!waiting) continue;
    out.push(
      '',
      `Waiting: ${safe(phase.id)} for a message on channel "${safe(waiting.channel)}" since ${safe(waiting.since)}${waiting.until ? `, fails at ${safe(waiting.until)}` : ''}`,
      `  Send: ${batonCommand(`send ${run} ${safe(waiting.channel)} '<json>'`)}`,
    );
  }
  const received = status.messages ?? [];
  if (received.length) {
    out.push('', `Messages received (${received.length}):`);
    for (const m of received.slice(-SHOWN)) {
      const from = m.from
        ? ` from ${safe(m.from.workflowId)}${m.from.phase ? `/${safe(m.from.phase)}` : ''}`
        : '';
      const taken = m.consumedBy ? `taken by ${safe(m.consumedBy)}` : 'in the mailbox';
      const dupes = m.duplicates ? `, ${m.duplicates} duplicate(s) ignored` : '';
      out.push(`  ${safe(m.at)}  ${safe(m.channel)}  ${safe(m.id)}${from}: ${taken}${dupes}`);
    }
  }
  const emitted = status.emitted ?? [];
  if (emitted.length) {
    out.push('', `Messages sent (${emitted.length}):`);
    for (const e of emitted.slice(-SHOWN)) {
      const state = e.error
        ? `error: ${safe(e.error)}`
        : e.ack
          ? `acknowledged ${safe(e.ack.at)}`
          : e.deliveredAt
            ? 'delivered'
            : 'sending';
      out.push(`  ${safe(e.phase)} → ${safe(e.to)} ${safe(e.channel)}  ${safe(e.id)}: ${state}`);
    }
  }
  const dropped = status.messagesDropped ?? [];
  if (dropped.length) {
    out.push('', `Messages refused (${dropped.length}):`);
    for (const d of dropped.slice(-SHOWN))
      out.push(`  ${safe(d.at)}  ${safe(d.id ?? '(no id)')}: ${safe(d.reason)}`);
  }
  return out;
}
