/**
 * What the webhook and command sinks deliver: a webhook body signed with the sink's secret (the
 * receiver's check, as docs/notifications.md shows it, passes with the secret and fails without
 * it), and a command that gets the event's JSON on stdin and its names in the environment.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER } from '../../src/activities/notifications/sign';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { NotificationEventSchema, type NotificationEvent } from '../../src/shared/notifications';
import { testAgents } from '../helpers/agents';
import { uniqueId, useWorker, waitForGate } from '../helpers/env';
import { startWebhook, verifySignature } from '../helpers/webhook';
import { eventsOf, gated, requestsOf, sinksConfig } from './helpers';

const SECRET = 'test-secret-0123456789abcdef';
// The worker reads the secret from its environment at each delivery.
process.env.BATON_TEST_NOTIFY_SECRET = SECRET;

const signed = await startWebhook();
afterAll(() => signed.close());

// A command sink: a real program that appends what it got (stdin and its environment) to a file.
const dir = await mkdtemp(join(tmpdir(), 'baton-notify-command-'));
const script = join(dir, 'record.mjs');
const out = join(dir, 'events.jsonl');
await writeFile(
  script,
  `import { appendFileSync } from 'node:fs';
let stdin = '';
process.stdin.on('data', (c) => (stdin += c));
process.stdin.on('end', () => {
  const { BATON_EVENT, BATON_EVENT_ID, BATON_WORKFLOW_ID } = process.env;
  appendFileSync(process.argv[2], JSON.stringify({ stdin, env: { BATON_EVENT, BATON_EVENT_ID, BATON_WORKFLOW_ID } }) + '\\n');
});
`,
);

const shared = useWorker({
  prefix: 'notify-sinks',
  config: sinksConfig([
    { kind: 'webhook', url: signed.url, secretEnv: 'BATON_TEST_NOTIFY_SECRET' },
    { kind: 'command', command: [process.execPath, script, out] },
  ]),
});
const agents = testAgents().map((a) => a.name);

async function approvedRun(): Promise<string> {
  const id = uniqueId('sinks');
  await startRun(shared.baton, { agents, id, definition: gated('sinks-tpl') });
  await waitForGate(shared.baton, id, 'spec');
  await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
  expect((await waitForResult(shared.baton, id)).state).toBe('completed');
  return id;
}

describe('the webhook and command sinks', () => {
  it('signs each webhook body with the secret: it verifies with the secret, not with another or a changed body', async () => {
    const id = await approvedRun();
    const requests = requestsOf(signed.requests, id);
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      const header = request.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature(SECRET, request.raw, header)).toBe(true);
      expect(verifySignature('another-secret-0123456789', request.raw, header)).toBe(false);
      expect(
        verifySignature(
          SECRET,
          request.raw.replace('"completed"', '"failed"').replace('spec#1', 'spec#2'),
          header,
        ),
      ).toBe(false);
      expect(verifySignature(SECRET, request.raw, undefined)).toBe(false);
    }
    // The secret is never sent.
    expect(requests.some((r) => r.raw.includes(SECRET) || JSON.stringify(r.headers).includes(SECRET))).toBe(
      false,
    );
  });

  it('runs the command with the event JSON on stdin and BATON_EVENT, BATON_EVENT_ID, BATON_WORKFLOW_ID set', async () => {
    const id = await approvedRun();
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { stdin: string; env: Record<string, string> })
      .filter((line) => line.env.BATON_WORKFLOW_ID === id);
    expect(lines).toHaveLength(2);
    // Each event runs its own command, in the background of the run: two can finish out of order,
    // so lines and webhook bodies are put in the run's order before they are compared.
    const order = ['gate.opened', 'run.completed'];
    const inRunOrder = (a: NotificationEvent, b: NotificationEvent) =>
      order.indexOf(a.event) - order.indexOf(b.event);
    const parsed = lines
      .map((line) => ({ line, event: NotificationEventSchema.parse(JSON.parse(line.stdin)) }))
      .sort((a, b) => inRunOrder(a.event, b.event));
    lines.splice(0, lines.length, ...parsed.map((p) => p.line));
    const events = parsed.map((p) => p.event);
    expect(events.map((e) => e.event)).toEqual(order);
    // The same event the webhook got, byte for byte.
    expect(events).toEqual(eventsOf(signed.received, id).sort(inRunOrder));
    lines.forEach((line, i) => {
      expect(line.stdin).toBe(`${JSON.stringify(events[i])}\n`);
      expect(line.env).toEqual({
        BATON_EVENT: events[i]!.event,
        BATON_EVENT_ID: events[i]!.eventId,
        BATON_WORKFLOW_ID: id,
      });
    });
  });
});
