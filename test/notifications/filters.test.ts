/**
 * Each sink filters by event, template and run: several sinks on one worker, each gets only what
 * it asked for (and a sink with no filter gets everything).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { uniqueId, useWorker, waitForGate } from '../helpers/env';
import { startWebhook } from '../helpers/webhook';
import { eventsOf, gated, sinksConfig } from './helpers';

const [everything, endsOnly, oneTemplate, oneRun] = await Promise.all([0, 1, 2, 3].map(() => startWebhook()));
afterAll(() => Promise.all([everything, endsOnly, oneTemplate, oneRun].map((h) => h!.close())));

// The run one sink follows, by workflow id: known before the worker starts, as in a config file.
const followed = uniqueId('filters-followed');
const shared = useWorker({
  prefix: 'notify-filters',
  config: sinksConfig([
    { kind: 'webhook', url: everything!.url },
    { kind: 'webhook', url: endsOnly!.url, events: ['run.completed', 'run.failed'] },
    { kind: 'webhook', url: oneTemplate!.url, templates: ['release'] },
    { kind: 'webhook', url: oneRun!.url, runs: [followed] },
  ]),
});
const agents = testAgents().map((a) => a.name);

async function approvedRun(id: string, template: string): Promise<void> {
  await startRun(shared.baton, { agents, id, definition: gated(template) });
  await waitForGate(shared.baton, id, 'spec');
  await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
  expect((await waitForResult(shared.baton, id)).state).toBe('completed');
}

const names = (received: unknown[], id: string) => eventsOf(received, id).map((e) => e.event);

describe('sink filters', () => {
  it('by event, by template and by run: each sink gets only its own', async () => {
    const release = uniqueId('filters-release');
    await Promise.all([approvedRun(release, 'release'), approvedRun(followed, 'nightly')]);

    for (const id of [release, followed])
      expect(names(everything!.received, id)).toEqual(['gate.opened', 'run.completed']);
    // Events: the ends of both runs, no gate.
    expect(names(endsOnly!.received, release)).toEqual(['run.completed']);
    expect(names(endsOnly!.received, followed)).toEqual(['run.completed']);
    // Template: the release run's events, none of the nightly one's.
    expect(names(oneTemplate!.received, release)).toEqual(['gate.opened', 'run.completed']);
    expect(oneTemplate!.requests).toHaveLength(2);
    // Run: the followed run's events, none of the other's.
    expect(names(oneRun!.received, followed)).toEqual(['gate.opened', 'run.completed']);
    expect(oneRun!.requests).toHaveLength(2);
    expect(endsOnly!.requests).toHaveLength(2);
  });
});
