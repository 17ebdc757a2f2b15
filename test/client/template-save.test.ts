import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startRun, waitForResult } from '../../src/client/runs';
import { saveTemplate } from '../../src/client/template-save';
import { listTemplates } from '../../src/client/templates';
import { validateDefinition } from '../../src/shared/validate';
import { testAgents } from '../helpers/agents';
import { definition, useWorker } from '../helpers/env';
import { cli, expectCleanError } from './cli-helpers';

const agents = testAgents().map((a) => a.name);
const shared = useWorker({ prefix: 'template-save' });
const { baton } = cli(shared);

const greeting = definition(
  [
    { id: 'draft', agent: 'echo', input: { text: '${params.greeting}', times: '${params.times}' } },
    { id: 'next', agent: 'echo', needs: ['draft'], input: { got: '${phases.draft.output.echoed.text}' } },
  ],
  {
    name: 'greeter',
    description: 'Says a greeting.',
    params: { greeting: { type: 'string' }, times: { type: 'number', default: 1 } },
  },
);

async function finishedRun(params: Record<string, string | number>) {
  const { workflowId } = await startRun(shared.baton, {
    agents,
    definition: greeting,
    params,
    approvalMode: 'auto',
  });
  await waitForResult(shared.baton, workflowId);
  return workflowId;
}

describe('baton template save', () => {
  it("writes the run's definition with its start params as defaults; the saved template runs", async () => {
    const run = await finishedRun({ greeting: 'hello', times: 3 });
    const dir = await mkdtemp(join(tmpdir(), 'baton-saved-'));
    const saved = await saveTemplate(shared.baton, { run, name: 'my-greeter', dir });
    expect(saved).toEqual({
      path: join(dir, 'my-greeter.yaml'),
      name: 'my-greeter',
      defaults: { greeting: 'hello', times: 3 },
    });

    const written = YAML.parse(await readFile(saved.path, 'utf8')) as {
      name: string;
      description: string;
      params: unknown;
      phases: Array<{ input: unknown }>;
    };
    expect(written.name).toBe('my-greeter');
    expect(written.description).toBe(`Says a greeting. Saved from run ${run}.`);
    expect(written.params).toEqual({
      greeting: { type: 'string', default: 'hello' },
      times: { type: 'number', default: 3 },
    });
    // Bindings stay bindings: the template is the definition, not one run's outputs.
    expect(written.phases[0]?.input).toEqual({ text: '${params.greeting}', times: '${params.times}' });
    expect(validateDefinition(written, {}).ok).toBe(true);
    expect((await listTemplates(dir)).map((t) => t.name)).toEqual(['my-greeter']);

    // Refuses to overwrite, naming the file and the flag; --force overwrites.
    await expect(saveTemplate(shared.baton, { run, name: 'my-greeter', dir })).rejects.toThrow(
      `Template file ${saved.path} already exists; pass --force to overwrite it`,
    );
    const other = await finishedRun({ greeting: 'bonjour' });
    await saveTemplate(shared.baton, { run: other, name: 'my-greeter', dir, force: true });
    expect(YAML.parse(await readFile(saved.path, 'utf8')).params.greeting.default).toBe('bonjour');

    // `baton start my-greeter` with no params runs it, with the saved defaults.
    const before = process.env.BATON_TEMPLATES_DIR;
    process.env.BATON_TEMPLATES_DIR = dir;
    try {
      const { workflowId } = await startRun(shared.baton, {
        agents,
        template: 'my-greeter',
        approvalMode: 'auto',
      });
      const summary = await waitForResult(shared.baton, workflowId);
      expect(summary.state).toBe('completed');
      expect(summary.template).toBe('my-greeter');
      expect(summary.outputs.next).toMatchObject({ echoed: { got: 'bonjour' } });
    } finally {
      if (before === undefined) delete process.env.BATON_TEMPLATES_DIR;
      else process.env.BATON_TEMPLATES_DIR = before;
    }
  });

  it('refuses a name that is not kebab-case and a run that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-saved-'));
    await expect(saveTemplate(shared.baton, { run: 'whatever', name: 'My_Template', dir })).rejects.toThrow(
      /Template name "My_Template" is not kebab-case/,
    );
    await expect(
      saveTemplate(shared.baton, { run: 'no-such-run-anywhere', name: 'ok', dir }),
    ).rejects.toThrow(/No run with id "no-such-run-anywhere"/);
  });

  it('the CLI: template save, and send with bad input', async () => {
    const run = await finishedRun({ greeting: 'hi' });
    const dir = await mkdtemp(join(tmpdir(), 'baton-saved-'));
    const saved = await baton(['template', 'save', run, 'from-cli', '--dir', dir]);
    expect(saved.stdout).toContain(`Saved template "from-cli" to ${join(dir, 'from-cli.yaml')}`);
    expect(saved.stdout).toContain('param greeting: default "hi"');
    expectCleanError(
      await baton(['template', 'save', run, 'from-cli', '--dir', dir]),
      'already exists',
      '--force',
    );
    expectCleanError(await baton(['send', run, 'results', '{oops']), 'payload is not valid JSON');
    expectCleanError(
      await baton(['send', run, 'results', '{"ok": true}']),
      'has ended',
      'nobody left to receive',
    );
  });
});
