import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentContext } from '../../src/activities/agents/agent';
import { defineLlmAgent, llmAgent } from '../../src/activities/agents/llm-agent';
import { ConfigError, loadConfig, redact, resolveModel, type Env } from '../../src/config';
import { createLlm, type Llm, type UsageRecord } from '../../src/activities/llm';
import { retryAfterMs } from '../../src/activities/retry-after';
import { apiError, chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';
import { failureOf } from '../helpers/agent-context';

const KEY = 'sk-test-0123456789abcdefSECRET';
const dirs: string[] = [];

async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-llm-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function llmFor(env: Env, files: Record<string, string> = {}, timeoutMs?: number): Promise<Llm> {
  const config = await loadConfig({ env, cwd: await tempDir(files) });
  return createLlm(config, { env, ...(timeoutMs && { timeoutMs }) });
}

const Plan = z.object({ title: z.string(), steps: z.array(z.string()).min(1) });

function ask(llm: Llm, usage: UsageRecord[] = [], agent = 'planner') {
  return llm.generateObject({
    agent,
    schema: Plan,
    system: 'You plan work.',
    prompt: 'Plan a todo app',
    recordUsage: (u) => usage.push(u),
  });
}

describe('LLM calls against a fake OpenAI-compatible server', () => {
  let fake: FakeOpenAI;
  let env: Env;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
    env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseUrl, BATON_MODEL: 'gpt-4o-mini' };
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends a Chat Completions request with the model and key, and records usage', async () => {
    fake.reply(
      chatCompletion(JSON.stringify({ title: 'Todo', steps: ['model', 'api'] }), {
        prompt_tokens: 120,
        completion_tokens: 30,
      }),
    );
    const usage: UsageRecord[] = [];
    const plan = await ask(await llmFor(env), usage);

    expect(plan).toEqual({ title: 'Todo', steps: ['model', 'api'] });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.body.model).toBe('gpt-4o-mini');
    expect(request.body.response_format?.type).toBe('json_schema');
    expect(request.messages[0]).toMatchObject({ role: 'system' });
    expect(request.messages[0]?.content).toContain('You plan work.');
    expect(request.messages[0]?.content).toContain('"steps"');
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'Plan a todo app' });
    // Not OpenAI's own endpoint, so the built-in price table does not apply.
    expect(usage).toEqual([{ model: 'openai:gpt-4o-mini', inputTokens: 120, outputTokens: 30 }]);
  });

  it('prices usage from the config file', async () => {
    fake.reply(
      chatCompletion(JSON.stringify({ title: 'T', steps: ['a'] }), {
        prompt_tokens: 1_000_000,
        completion_tokens: 500_000,
      }),
    );
    const usage: UsageRecord[] = [];
    await ask(
      await llmFor(env, {
        'baton.config.json': JSON.stringify({
          prices: { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 4 } },
        }),
      }),
      usage,
    );
    expect(usage[0]?.costUsd).toBeCloseTo(3);
  });

  it('429 with retry-after is retryable, with the provider delay, and the SDK does not retry by itself', async () => {
    fake.reply(apiError(429, 'Rate limit reached', { 'retry-after': '7' }));
    const failure = await failureOf(ask(await llmFor(env)));
    expect(failure.type).toBe('Agent.RateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7000);
    expect(failure.message).toContain('Rate limit reached');
    expect(fake.requests).toHaveLength(1);
  });

  it('500 is retryable as ProviderUnavailable', async () => {
    fake.reply(apiError(500, 'upstream exploded'));
    const failure = await failureOf(ask(await llmFor(env)));
    expect(failure.type).toBe('Agent.ProviderUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });

  it('a timeout and an unreachable server are retryable as ProviderUnavailable', async () => {
    fake.reply({ ...chatCompletion('{}'), delayMs: 5_000 });
    const slow = await failureOf(ask(await llmFor(env, {}, 300)));
    expect(slow.type).toBe('Agent.ProviderUnavailable');
    expect(slow.nonRetryable).toBe(false);
    expect(slow.message).toMatch(/no answer within/);

    const llm = await llmFor(env);
    await fake.close();
    const down = await failureOf(ask(llm));
    expect(down.type).toBe('Agent.ProviderUnavailable');
    expect(down.nonRetryable).toBe(false);
  });

  it('malformed JSON is re-asked once with the parse error, then succeeds', async () => {
    fake.reply(
      chatCompletion('{"title": "Todo", "steps": [oops'),
      chatCompletion(JSON.stringify({ title: 'Todo', steps: ['one'] })),
    );
    const usage: UsageRecord[] = [];
    const plan = await ask(await llmFor(env), usage);

    expect(plan).toEqual({ title: 'Todo', steps: ['one'] });
    expect(fake.requests).toHaveLength(2);
    const reask = fake.requests[1]!.messages;
    expect(reask.at(-2)).toEqual({ role: 'assistant', content: '{"title": "Todo", "steps": [oops' });
    expect(reask.at(-1)?.role).toBe('user');
    expect(reask.at(-1)?.content).toContain('not valid JSON');
    expect(reask.at(-1)?.content).toMatch(/Unexpected token|JSON/);
    expect(usage).toHaveLength(2);
  });

  it('an answer that does not fit the schema twice fails as non-retryable Agent.BadOutput', async () => {
    fake.reply(
      chatCompletion(JSON.stringify({ title: 'Todo', steps: [] })),
      chatCompletion(JSON.stringify({ title: 42 })),
    );
    const usage: UsageRecord[] = [];
    const failure = await failureOf(ask(await llmFor(env), usage));

    expect(failure.type).toBe('Agent.BadOutput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('title');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.messages.at(-1)?.content).toContain('steps');
    expect(usage).toHaveLength(2);
  });

  it('401 is non-retryable Agent.AuthFailed naming OPENAI_API_KEY, with the key redacted', async () => {
    fake.reply(apiError(401, `Incorrect API key provided: ${KEY}`));
    const failure = await failureOf(ask(await llmFor(env)));
    expect(failure.type).toBe('Agent.AuthFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('OPENAI_API_KEY was rejected by http://127.0.0.1:');
    expect(failure.message).toContain('set a valid key in OPENAI_API_KEY');
    expect(failure.message).not.toContain(KEY);
    expect(failure.message).toContain('[redacted]');
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('other 4xx are non-retryable Agent.BadRequest naming the model setting', async () => {
    fake.reply(apiError(404, 'The model `gpt-4o-mini` does not exist'));
    const failure = await failureOf(ask(await llmFor(env)));
    expect(failure.type).toBe('Agent.BadRequest');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('BATON_MODEL');
  });

  it('an openai-compatible provider from the config file is used per agent, without a key', async () => {
    const yaml = [
      'providers:',
      '  local:',
      '    kind: openai-compatible',
      `    baseUrl: ${fake.baseUrl}`,
      'agents:',
      '  planner:',
      '    model: local:llama3.1:8b',
    ].join('\n');
    fake.reply(chatCompletion(JSON.stringify({ title: 'Local', steps: ['x'] })));
    const usage: UsageRecord[] = [];
    const plan = await ask(await llmFor({}, { 'baton.config.yaml': yaml }), usage);

    expect(plan.title).toBe('Local');
    expect(fake.requests[0]!.path).toBe('/v1/chat/completions');
    expect(fake.requests[0]!.body.model).toBe('llama3.1:8b');
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    expect(usage).toEqual([{ model: 'local:llama3.1:8b', inputTokens: 12, outputTokens: 7 }]);
  });

  it('structuredOutputs: false asks for json_object and still checks the schema', async () => {
    const json = JSON.stringify({
      providers: { local: { kind: 'openai-compatible', baseUrl: fake.baseUrl, structuredOutputs: false } },
      defaultModel: 'qwen2.5',
    });
    fake.reply(chatCompletion('{"title":"T","steps":["s"]}'));
    expect(await ask(await llmFor({}, { 'baton.config.json': json }))).toEqual({ title: 'T', steps: ['s'] });
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_object' });
    expect(fake.requests[0]!.messages[0]?.content).toContain('JSON Schema');
  });

  it('a cancelled activity sees its cancellation, not a provider failure', async () => {
    fake.reply({ ...chatCompletion('{}'), delayMs: 5_000 });
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const llm = await llmFor(env);
    const pending = llm.generateObject({
      agent: 'planner',
      schema: Plan,
      prompt: 'p',
      signal: controller.signal,
      recordUsage: () => undefined,
    });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
  });

  it('LLM agents get the LLM and report usage through their context', async () => {
    fake.reply(chatCompletion(JSON.stringify({ answer: '42' })));
    const usage: UsageRecord[] = [];
    const output = await llmAgent.run(
      { prompt: 'What is six times seven?', system: 'Be brief.' },
      context(usage, await llmFor(env)),
    );
    expect(output).toEqual({ answer: '42' });
    expect(usage).toHaveLength(1);
    expect(fake.requests[0]!.messages[0]?.content).toContain('Be brief.');
    expect(fake.requests[0]!.messages.at(-1)?.content).toBe('What is six times seven?');
  });

  it('without an LLM, an LLM agent uses its fallback, or fails non-retryably', async () => {
    const offline = await llmFor({});
    const spec = {
      name: 'summary',
      description: 'summarises',
      input: z.object({ text: z.string() }),
      output: z.object({ summary: z.string() }),
      system: 'Summarise.',
      prompt: (i: { text: string }) => i.text,
    };
    const withFallback = defineLlmAgent({
      ...spec,
      fallback: async (input) => ({ summary: input.text.slice(0, 5) }),
    });
    expect(await withFallback.run({ text: 'hello world' }, context([], offline))).toEqual({
      summary: 'hello',
    });
    const failure = await failureOf(defineLlmAgent(spec).run({ text: 'x' }, context([], offline)));
    expect(failure.type).toBe('Agent.NotConfigured');
    expect(failure.nonRetryable).toBe(true);
    // A worker without any LLM: the agent's context has none, and it fails the same way.
    expect(await withFallback.run({ text: 'hello world' }, context([]))).toEqual({ summary: 'hello' });
    const noLlm = await failureOf(defineLlmAgent(spec).run({ text: 'x' }, context([])));
    expect(noLlm.type).toBe('Agent.NotConfigured');
    expect(noLlm.nonRetryable).toBe(true);
    expect(failure.type).toBe('Agent.NotConfigured');
    expect(failure.nonRetryable).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

function context(usage: UsageRecord[], llm?: Llm): AgentContext {
  return {
    workspace: tmpdir(),
    workflowId: 'llm-test',
    runId: 'run-1',
    phase: 'ask',
    attempt: 1,
    heartbeat: () => undefined,
    signal: new AbortController().signal,
    log: () => undefined,
    saveArtifact: () => Promise.reject(new Error('not used')),
    recordUsage: (u) => usage.push(u),
    ...(llm && { llm }),
  };
}

describe('retry-after', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(retryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '7' }, now)).toBe(1500);
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});

describe('configuration', () => {
  async function load(env: Env, files: Record<string, string> = {}) {
    return loadConfig({ env, cwd: await tempDir(files) });
  }
  async function loadError(env: Env, files: Record<string, string> = {}): Promise<string> {
    const error = await load(env, files).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }

  it('resolves from env alone', async () => {
    expect(resolveModel(await load({}), 'codegen')).toBeUndefined();
    expect(resolveModel(await load({ OPENAI_API_KEY: KEY }), 'codegen')).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1-mini',
    });
    expect(resolveModel(await load({ ANTHROPIC_API_KEY: KEY }), 'codegen')).toMatchObject({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });

    const config = await load({
      OPENAI_API_KEY: KEY,
      ANTHROPIC_API_KEY: KEY,
      BATON_MODEL: 'openai:gpt-4o',
      BATON_MODEL_API_SPEC: 'anthropic:claude-sonnet-4-5',
      BATON_MODEL_REVIEW: 'none',
    });
    expect(resolveModel(config, 'codegen')).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
      setting: 'BATON_MODEL',
    });
    expect(resolveModel(config, 'api-spec')).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      setting: 'BATON_MODEL_API_SPEC',
    });
    expect(resolveModel(config, 'review')).toBeUndefined();

    const local = await load({ OPENAI_BASE_URL: 'http://localhost:11434/v1', BATON_MODEL: 'llama3.1:8b' });
    expect(local.providers.openai).toMatchObject({
      kind: 'openai',
      baseUrl: 'http://localhost:11434/v1',
      apiKeyEnv: 'OPENAI_API_KEY',
    });
    expect(resolveModel(local, 'codegen')).toMatchObject({ provider: 'openai', model: 'llama3.1:8b' });
    expect(JSON.stringify(await load({ OPENAI_API_KEY: KEY }))).not.toContain(KEY);
  });

  it('env errors name the variable and the fix', async () => {
    expect(await loadError({ OPENAI_BASE_URL: 'http://localhost:11434/v1' })).toMatch(
      /BATON_MODEL: no model is set.*set BATON_MODEL/,
    );
    expect(await loadError({ OPENAI_BASE_URL: 'localhost:11434' })).toContain(
      'OPENAI_BASE_URL: "localhost:11434" is not an http(s) URL',
    );
    expect(await loadError({ BATON_MODEL: 'gpt-4o' })).toContain(
      'BATON_MODEL: "gpt-4o" needs an LLM provider',
    );
    expect(
      await loadError({ OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY, BATON_MODEL_CODEGEN: 'gemini:pro' }),
    ).toContain(
      'BATON_MODEL_CODEGEN: provider "gemini" is not configured; write it as provider:model with one of: openai, anthropic',
    );
  });

  it('resolves from a config file with per-agent models, env winning over the file', async () => {
    const yaml = [
      'providers:',
      '  ollama: { kind: openai-compatible, baseUrl: "http://localhost:11434/v1" }',
      '  openai: { apiKeyEnv: TEAM_OPENAI_KEY }',
      'defaultModel: ollama:qwen2.5-coder:7b',
      'agents:',
      '  review: { model: openai:gpt-4.1 }',
      'commandAgents:',
      '  claude-code:',
      '    command: claude',
      '    args: ["-p", "{{input.task}}"]',
      '    timeout: 20m',
      '    maxOutputBytes: 65536',
      'prices:',
      '  qwen2.5-coder:7b: { inputPerMTok: 0, outputPerMTok: 0 }',
    ].join('\n');
    const config = await load({ TEAM_OPENAI_KEY: KEY }, { 'baton.config.yaml': yaml });
    expect(config.file).toMatch(/baton\.config\.yaml$/);
    expect(resolveModel(config, 'codegen')).toMatchObject({ provider: 'ollama', model: 'qwen2.5-coder:7b' });
    expect(resolveModel(config, 'review')).toEqual({
      provider: 'openai',
      model: 'gpt-4.1',
      setting: 'agents.review.model in baton.config.yaml',
    });
    expect(config.providers.openai?.apiKeyEnv).toBe('TEAM_OPENAI_KEY');
    expect(config.commandAgents['claude-code']).toMatchObject({ command: 'claude', timeout: '20m' });

    const overridden = await load({ BATON_MODEL_REVIEW: 'ollama:llama3.1' }, { 'baton.config.yaml': yaml });
    expect(resolveModel(overridden, 'review')).toMatchObject({
      provider: 'ollama',
      model: 'llama3.1',
      setting: 'BATON_MODEL_REVIEW',
    });
    expect(redact(`key=${KEY}`, config, { TEAM_OPENAI_KEY: KEY })).toBe('key=[redacted]');
  });

  it('finds the file through BATON_CONFIG or an explicit path', async () => {
    const dir = await tempDir({
      'team.json': JSON.stringify({ providers: { openai: {} }, defaultModel: 'gpt-4o' }),
    });
    const viaEnv = await loadConfig({ env: { BATON_CONFIG: 'team.json', OPENAI_API_KEY: KEY }, cwd: dir });
    expect(resolveModel(viaEnv, 'x')).toMatchObject({
      model: 'gpt-4o',
      setting: 'defaultModel in team.json',
    });
    const viaPath = await loadConfig({ path: join(dir, 'team.json'), env: {}, cwd: await tempDir() });
    expect(viaPath.file).toBe(join(dir, 'team.json'));
    await expect(loadConfig({ env: { BATON_CONFIG: 'missing.yaml' }, cwd: dir })).rejects.toThrow(
      /BATON_CONFIG names .*missing\.yaml, which does not exist/,
    );
    expect(await loadError({}, { 'baton.config.json': '{}', 'baton.config.yaml': '' })).toContain(
      'keep one of them',
    );
    expect(await loadError({}, { 'baton.config.json': '{ "providers": ' })).toMatch(/is not valid JSON/);
  });

  it('lists every bad key in the file with its fix', async () => {
    const bad = {
      provider: {},
      defaultModel: 7,
      providers: {
        local: { baseUrl: 'http://localhost:1234/v1' },
        vllm: { kind: 'openai-compatible' },
        openai: { baseUrl: 'not a url' },
      },
      prices: { 'gpt-4o': { inputPerMTok: -1, outputPerMTok: 1 } },
      commandAgents: { aider: { args: ['--yes'] } },
    };
    const message = await loadError({}, { 'baton.config.json': JSON.stringify(bad) });
    expect(message).toContain('baton.config.json is invalid');
    expect(message).toMatch(/provider: unknown setting; allowed here: .*providers/);
    expect(message).toMatch(/defaultModel: .*string/);
    expect(message).toContain('providers.openai.baseUrl: must be an http(s) URL');
    expect(message).toContain('prices.gpt-4o.inputPerMTok: must be US dollars per million input tokens');
    expect(message).toMatch(/commandAgents\.aider\.command: /);

    const semantic = await loadError(
      {},
      {
        'baton.config.json': JSON.stringify({ providers: bad.providers, defaultModel: 'x' }).replace(
          'not a url',
          'http://ok:1/v1',
        ),
      },
    );
    expect(semantic).toContain(
      'providers.local.kind: required for a provider not named openai or anthropic; set kind: openai-compatible',
    );
    expect(semantic).toContain('providers.vllm.baseUrl: required for kind openai-compatible');
  });

  it('rejects API keys in the config file, naming the key path, without echoing the key', async () => {
    const yaml = [
      'providers:',
      '  openai:',
      `    apiKey: ${KEY}`,
      'commandAgents:',
      '  gh:',
      '    command: gh',
      '    env: { GITHUB_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789 }',
    ].join('\n');
    const message = await loadError({}, { 'baton.config.yaml': yaml });
    expect(message).toContain('providers.openai.apiKey: API keys are read from the environment only');
    expect(message).toContain('export the key as OPENAI_API_KEY');
    expect(message).toContain('commandAgents.gh.env.GITHUB_TOKEN: secrets do not belong in the config file');
    expect(message).not.toContain('unknown setting');
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('ghp_');

    const disguised = await loadError(
      {},
      { 'baton.config.json': JSON.stringify({ providers: { openai: { apiKeyEnv: KEY } } }) },
    );
    expect(disguised).toContain('providers.openai.apiKeyEnv: looks like an API key');
    expect(disguised).not.toContain(KEY);
  });
});
