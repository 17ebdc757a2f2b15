import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { configuredAgents, createActivities } from '../../src/activities';
import { createArtifactStore } from '../../src/store/artifacts';
import { ConfigError, loadConfig, redact, type BatonConfig, type Env } from '../../src/config';
import { definition, testBaton, uniqueId } from '../helpers/env';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const SECRET = 'sk-secret-0123456789abcdef';

async function loadError(env: Env, file?: object): Promise<string> {
  const cwd = await mkdtemp(join(tmpdir(), 'baton-config-secrets-'));
  dirs.push(cwd);
  if (file) await writeFile(join(cwd, 'baton.config.json'), JSON.stringify(file));
  const error = await loadConfig({ env, cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  expect(message).not.toContain(SECRET);
  expect(message).not.toContain('hunter2');
  return message;
}

describe('credentials in URLs in the config', () => {
  it('refuses a provider baseUrl with user:key@, naming the key path and the fix', async () => {
    const message = await loadError(
      {},
      {
        providers: {
          local: { kind: 'openai-compatible', baseUrl: `http://user:${SECRET}@127.0.0.1:11434/v1` },
        },
        defaultModel: 'local:llama3.1',
      },
    );
    expect(message).toContain(
      'providers.local.baseUrl: holds credentials in a URL (http://[redacted]@127.0.0.1:11434/v1); move the credentials to an env var: export the key as LOCAL_API_KEY (or name your variable with providers.local.apiKeyEnv)',
    );
  });

  it('refuses a token as the URL user name too', async () => {
    const message = await loadError(
      {},
      { providers: { openai: { baseUrl: `https://${SECRET}@proxy.example/v1` } } },
    );
    expect(message).toContain(
      'providers.openai.baseUrl: holds credentials in a URL (https://[redacted]@proxy.example/v1)',
    );
  });

  it.each(['OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL'])('refuses %s with credentials', async (name) => {
    const message = await loadError({ [name]: `http://me:${SECRET}@localhost:8080/v1`, BATON_MODEL: 'm' });
    const key = name.startsWith('OPENAI') ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
    expect(message).toContain(
      `${name}: holds credentials in a URL (http://[redacted]@localhost:8080/v1); move the credentials to an env var: export the key as ${key}`,
    );
  });

  it('refuses credentials in any other URL field, such as a command agent argument or env', async () => {
    const message = await loadError(
      {},
      {
        commandAgents: {
          sync: {
            command: 'curl',
            args: ['--fail', 'https://bot:hunter2@git.example/repo'],
            env: { MIRROR: 'postgres://app:hunter2@db:5432/x' },
          },
        },
      },
    );
    expect(message).toContain(
      'commandAgents.sync.args.1: holds credentials in a URL (https://[redacted]@git.example/repo)',
    );
    expect(message).toContain(
      'commandAgents.sync.env.MIRROR: holds credentials in a URL (postgres://[redacted]@db:5432/x); move the credentials to an env var: export MIRROR on the worker',
    );
  });

  it('accepts a plain user name, as in ssh://git@host', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'baton-config-secrets-'));
    dirs.push(cwd);
    await writeFile(
      join(cwd, 'baton.config.json'),
      JSON.stringify({
        commandAgents: { clone: { command: 'git', args: ['clone', 'ssh://git@github.com/a/b'] } },
      }),
    );
    const config = await loadConfig({ env: {}, cwd });
    expect(config.commandAgents.clone?.args).toEqual(['clone', 'ssh://git@github.com/a/b']);
  });
});

describe('redact', () => {
  it('hides the userinfo of every URL', () => {
    expect(redact('http://user:sk-secret@host', undefined, {})).toBe('http://[redacted]@host');
    expect(redact('GET https://tok@api.example/v1/x and http://a:b@c/d', undefined, {})).toBe(
      'GET https://[redacted]@api.example/v1/x and http://[redacted]@c/d',
    );
    // A password holding "@" is hidden whole; an address after the URL is left alone.
    expect(redact('http://u:p@ss@host/x mail bob@example.com', undefined, {})).toBe(
      'http://[redacted]@host/x mail bob@example.com',
    );
    expect(redact('no url here: a@b', undefined, {})).toBe('no url here: a@b');
  });
});

describe('a permanent configuration error inside an activity', () => {
  it('fails the phase on its first attempt, without the secret in history', async () => {
    // Built directly: loadConfig refuses this URL, so only a hand-made config (or an older worker) reaches fetch.
    const config: BatonConfig = {
      providers: {
        local: {
          kind: 'openai-compatible',
          baseUrl: `http://user:${SECRET}@127.0.0.1:9/v1`,
          apiKeyEnv: 'LOCAL_API_KEY',
        },
      },
      defaultModel: { ref: 'local:m', setting: 'test' },
      agents: {},
      agentModelEnv: {},
      commandAgents: {},
      prices: {},
    };
    const taskQueue = uniqueId('config-error');
    const dir = await mkdtemp(join(tmpdir(), 'baton-config-error-'));
    dirs.push(dir);
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({
        agents: configuredAgents(config),
        config,
        workspaceRoot: join(dir, 'ws'),
        artifacts: createArtifactStore(join(dir, 'artifacts')),
      }),
    });
    const baton = await testBaton(taskQueue);
    try {
      await worker.runUntil(async () => {
        const handle = await baton.client.workflow.start('pipeline', {
          taskQueue,
          workflowId: uniqueId('config-error'),
          args: [
            {
              definition: definition([
                {
                  id: 'ask',
                  agent: 'llm',
                  input: { prompt: 'hello' },
                  retry: { maxAttempts: 3, initialInterval: '100ms' },
                },
              ]),
              params: {},
            },
          ],
        });
        const error = await handle.result().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WorkflowFailedError);
        const history = await handle.fetchHistory();
        const events = history.events ?? [];
        const started = events.filter((e) => e.activityTaskStartedEventAttributes);
        expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
        const failed = events.find(
          (e) => e.activityTaskFailedEventAttributes,
        )?.activityTaskFailedEventAttributes;
        const info = failed?.failure?.applicationFailureInfo;
        expect(info).toMatchObject({ type: 'Agent.NotConfigured', nonRetryable: true });
        expect(failed?.failure?.message).toContain('providers.local.baseUrl');
        expect(JSON.stringify(history)).not.toContain(SECRET);
      });
    } finally {
      await connection.close();
      await baton.close();
    }
  }, 30_000);
});
