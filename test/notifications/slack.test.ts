/**
 * The "done when": a gate opens, and a Slack-format message with the gate, the run and the
 * exact approve command reaches a local receiver (a real worker, a real Temporal server, real HTTP).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { startWebhook } from '../helpers/webhook';
import { gated, sinksConfig } from './helpers';

interface SlackMessage {
  text: string;
  blocks: {
    type: string;
    text?: { type: string; text: string };
    fields?: { text: string }[];
    elements?: { text: string }[];
  }[];
}

const slack = await startWebhook<SlackMessage>();
afterAll(() => slack.close());
const shared = useWorker({
  prefix: 'notify-slack',
  config: sinksConfig([{ kind: 'slack', url: slack.url }]),
});
const agents = testAgents().map((a) => a.name);

/** Every piece of text a message shows: section texts, field texts and context elements. */
const shownText = (message: SlackMessage): string[] =>
  message.blocks.flatMap((b) => [
    ...(b.text ? [b.text.text] : []),
    ...(b.fields ?? []).map((f) => f.text),
    ...(b.elements ?? []).map((e) => e.text),
  ]);

describe('the slack sink', () => {
  it('posts the gate, its run and the exact approve command when a gate opens; the run end after', async () => {
    const id = uniqueId('slack-run');
    const { firstRunId: runId } = await startRun(shared.baton, {
      agents,
      id,
      definition: gated('slack-tpl'),
    });
    await waitForGate(shared.baton, id, 'spec');
    const [opened] = await waitFor(
      async () => slack.received.filter((m) => m.text.includes(id)),
      (list) => list.length >= 1,
    );

    const approve = `npx baton approve ${id} spec`;
    expect(opened!.text).toBe(
      `Gate open: Review the spec (spec#1) of run ${id} waits for a decision — to approve: ${approve}`,
    );
    expect(opened!.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Gate open: Review the spec', emoji: true },
    });
    const shown = shownText(opened!);
    expect(shown).toContain(`:raised_hand: Review the spec (spec#1) of run ${id} waits for a decision`);
    expect(shown).toContain(`*Run*\n\`${id}\``);
    expect(shown).toContain('*Template*\nslack-tpl');
    expect(shown).toContain('*Gate*\nReview the spec (`spec#1`, approval)');
    expect(shown).toContain('*Phase*\n`spec`');
    expect(shown).toContain('*Context*\n```output: {"echoed":{"text":"v1"},"phase":"spec"}```');
    // The command to copy is a code block of its own; the other decisions follow, one line each.
    expect(shown).toContain(
      [
        `*To approve:*\n\`\`\`${approve}\`\`\``,
        `To reject: \`npx baton reject ${id} spec\``,
        `To change the input and rerun: \`npx baton modify ${id} spec --set key=value\``,
      ].join('\n'),
    );
    expect(shown).toContainEqual(expect.stringContaining(`eventId \`${id}/${runId}/gate.opened/spec#1\``));
    expect(opened!.blocks.every((b) => ['header', 'section', 'context'].includes(b.type))).toBe(true);

    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
    expect((await waitForResult(shared.baton, id)).state).toBe('completed');
    const messages = slack.received.filter((m) => m.text.includes(id));
    expect(messages).toHaveLength(2);
    const ended = messages[1]!;
    expect(ended.text).toBe(`Run completed: Run ${id} (slack-tpl) completed`);
    expect(ended.blocks[0]!.text!.text).toBe(`Run completed: ${id}`);
    expect(shownText(ended)).toEqual(
      expect.arrayContaining(['*State*\ncompleted', '*Progress*\n1/1 phases (100%)']),
    );
    // No approve command once the run is over.
    expect(ended.text).not.toContain('npx baton approve');
  });
});
