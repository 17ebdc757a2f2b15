import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { RunStatus } from '../../src/shared/status';
import type { ArtifactListing, InboxItem } from '../../src/client/runs';
import { uniqueId, useWorker, waitFor } from '../helpers/env';
import { cli } from './cli-helpers';

const shared = useWorker({ prefix: 'cli', agents: builtinAgents() });
const { baton, json } = cli(shared);

describe('the baton CLI', () => {
  it('starts a template run, lists its gate in the inbox, shows progress, and approves', async () => {
    const id = uniqueId('cli-run');
    const started = await baton(['start', 'node-express-api', '--id', id, '--param', 'service=orders']);
    expect(started.stderr).toBe('');
    expect(started.stdout).toContain(`Started ${id}`);

    const items = await waitFor(
      () => json<InboxItem[]>(['inbox']),
      (list) => list.some((i) => i.workflowId === id),
    );
    expect(items.find((i) => i.workflowId === id)).toMatchObject({
      phase: 'spec',
      template: 'node-express-api',
    });

    const status = await json<RunStatus>(['status', id]);
    expect(status.state).toBe('waiting');
    expect(status.progress).toEqual({ done: 0, total: 4, percent: 0 });
    expect(status.gates[0]).toMatchObject({ phase: 'spec' });

    const table = await baton(['status', id]);
    expect(table.stdout).toContain('Gate open:');
    expect(table.stdout).toContain(`baton approve|reject|retry|skip ${id} spec`);

    const approved = await baton(['approve', id, 'spec', '--by', 'dana', '--comment', 'spec ok']);
    expect(approved.stdout).toContain(`approve spec of ${id}: accepted`);
    const after = await waitFor(
      () => json<RunStatus>(['status', id]),
      (s) => s.gates.some((g) => g.phase === 'codegen'),
    );
    expect(after.progress).toEqual({ done: 1, total: 4, percent: 25 });
    expect(after.decisions[0]).toMatchObject({
      phase: 'spec',
      action: 'approve',
      by: 'dana',
      comment: 'spec ok',
    });

    const listed = await json<ArtifactListing[]>(['artifacts', id, '--phase', 'spec']);
    const spec = listed.find((a) => a.artifact.name === 'spec/openapi.json');
    expect(spec).toMatchObject({ phase: 'spec', artifact: { mediaType: 'application/json' } });
    expect(spec!.commit).toMatch(/^[0-9a-f]{40}$/);
    const printed = await baton(['artifact', spec!.artifact.uri]);
    expect(JSON.parse(printed.stdout)).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
    const badUri = await baton(['artifact', 'nope']);
    expect(badUri.stderr).toContain('"nope" is not an artifact URI');

    const refused = await baton(['approve', id, 'build']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('phase "build" has no open gate');

    expect((await baton(['cancel', id])).code).toBe(0);
  });

  it('lists every definition problem and starts nothing', async () => {
    const result = await baton(['start', 'node-express-api', '--param', 'servce=x', '--param', 'noequals']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--param "noequals" is not key=value');
    const unknown = await baton(['start', 'node-express-api', '--param', 'servce=x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('params.servce: unknown param');
  });

  it('says how to start a server when none is reachable', async () => {
    const result = await baton(['status', 'anything'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot reach a Temporal server at 127.0.0.1:1');
    expect(result.stderr).toContain('npm start');
  });

  it('lists the templates', async () => {
    const result = await baton(['templates']);
    expect(result.stdout).toMatch(/node-express-api\s+spec → codegen → review → build/);
    expect(result.stdout).toContain('java-springboot-api');
    expect(result.stdout).toContain('sdlc');
  });
});
